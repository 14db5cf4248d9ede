import { randomBytes, randomUUID } from 'node:crypto';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Clock } from '@/lib/clock';
import type { Db } from '@/lib/db/client';
import { errorMessage, type Logger } from '@/lib/logger';
import { signWebhook } from '../webhook-signature';
import { ok, problem, type EmulatorResponse } from './problems';
import { emulatorWebhookDeliveries, emulatorWebhooks } from './schema';

/**
 * Webhooks API v1 as the emulator serves it: registrations (the secret is
 * returned once), and deliveries signed with HMAC like the real ones,
 * retried with backoff on any non-2xx, in order per registration.
 */

const registerBody = z.object({
  url: z.string(),
  events: z.array(z.string()).min(1),
});

const KNOWN_EVENTS = new Set([
  'epayments.payment.created.v1',
  'epayments.payment.aborted.v1',
  'epayments.payment.expired.v1',
  'epayments.payment.cancelled.v1',
  'epayments.payment.captured.v1',
  'epayments.payment.refunded.v1',
  'epayments.payment.authorized.v1',
  'epayments.payment.terminated.v1',
]);

const MAX_REGISTRATIONS_PER_EVENT = 25;

export function isAllowedWebhookUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  // Vipps requires public HTTPS; the emulator also accepts plain http on loopback for local runs.
  return url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1');
}

export function createWebhookRegistry(ctx: { db: Db; clock: Clock; msn: string }) {
  const { db, clock, msn } = ctx;

  async function register(rawBody: unknown): Promise<EmulatorResponse> {
    const parsed = registerBody.safeParse(rawBody);
    if (!parsed.success) return problem(400, 'Invalid request: url and events are required');
    const { url, events } = parsed.data;
    if (!isAllowedWebhookUrl(url)) return problem(400, 'The webhook url must be a public https URL');
    const unknown = events.find((e) => !KNOWN_EVENTS.has(e));
    if (unknown) return problem(400, `Unknown event type ${unknown}`);
    const existing = await db.select().from(emulatorWebhooks).where(eq(emulatorWebhooks.msn, msn));
    for (const event of events) {
      if (existing.filter((w) => w.events.includes(event)).length >= MAX_REGISTRATIONS_PER_EVENT) {
        return problem(400, `Too many registrations for ${event}`);
      }
    }
    const id = randomUUID();
    const secret = randomBytes(48).toString('base64');
    await db.insert(emulatorWebhooks).values({ id, msn, url, events, secret, createdAt: clock.now() });
    return ok({ id, secret }, 201);
  }

  async function list(): Promise<EmulatorResponse> {
    const rows = await db.select().from(emulatorWebhooks).where(eq(emulatorWebhooks.msn, msn));
    return ok({ webhooks: rows.map((w) => ({ id: w.id, url: w.url, events: w.events })) });
  }

  async function remove(id: string): Promise<EmulatorResponse> {
    const deleted = await db
      .delete(emulatorWebhooks)
      .where(and(eq(emulatorWebhooks.id, id), eq(emulatorWebhooks.msn, msn)))
      .returning();
    if (deleted.length === 0) return problem(404, 'Webhook not found');
    await db.delete(emulatorWebhookDeliveries).where(eq(emulatorWebhookDeliveries.webhookId, id));
    return { status: 204, body: undefined };
  }

  return { register, list, remove };
}

export interface WebhookSenderOptions {
  db: Db;
  clock: Clock;
  logger: Logger;
  /** Delay before the n-th retry (1-based), in ms. */
  retryDelayMs?: (attempt: number) => number;
  timeoutMs?: number;
}

/** Vipps retries for days; the schedule here is compressed but keeps the shape. */
const defaultRetryDelay = (attempt: number) => Math.min(60_000, 1000 * 2 ** Math.max(0, attempt - 1));

export function createWebhookSender(options: WebhookSenderOptions) {
  const { db, clock, logger } = options;
  const retryDelay = options.retryDelayMs ?? defaultRetryDelay;
  let running = false;
  let busy: Promise<number> | undefined;
  let kickedWhileBusy = false;
  let timer: NodeJS.Timeout | undefined;

  async function deliverOne(hook: typeof emulatorWebhooks.$inferSelect, delivery: typeof emulatorWebhookDeliveries.$inferSelect) {
    const date = clock.now().toUTCString();
    const headers = signWebhook(hook.secret, hook.url, delivery.body, date);
    let status = 0;
    try {
      const response = await fetch(hook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: delivery.body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      status = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch (error) {
      logger.debug('webhook delivery failed', { url: hook.url, error: errorMessage(error) });
    }
    const delivered = status >= 200 && status < 300;
    const attempts = delivery.attempts + 1;
    await db
      .update(emulatorWebhookDeliveries)
      .set({
        status: delivered ? 'delivered' : 'pending',
        attempts,
        lastResponseStatus: status || null,
        nextAttemptAt: delivered ? delivery.nextAttemptAt : new Date(clock.now().getTime() + retryDelay(attempts)),
      })
      .where(eq(emulatorWebhookDeliveries.id, delivery.id));
    return delivered;
  }

  /** Sends what is due: per registration the oldest pending delivery first; a failure holds back the rest. */
  async function deliverDue(): Promise<number> {
    if (busy) return busy;
    busy = (async () => {
      let sent = 0;
      const hooks = await db.select().from(emulatorWebhooks);
      for (const hook of hooks) {
        for (;;) {
          const [next] = await db
            .select()
            .from(emulatorWebhookDeliveries)
            .where(and(eq(emulatorWebhookDeliveries.webhookId, hook.id), eq(emulatorWebhookDeliveries.status, 'pending')))
            .orderBy(asc(emulatorWebhookDeliveries.id))
            .limit(1);
          if (!next || next.nextAttemptAt > clock.now()) break;
          if (!(await deliverOne(hook, next))) break;
          sent++;
        }
      }
      return sent;
    })().finally(() => {
      busy = undefined;
    });
    return busy;
  }

  function kick() {
    if (!running) return;
    if (busy) {
      // New deliveries may have been queued after this round looked; go again when it ends.
      kickedWhileBusy = true;
      return;
    }
    deliverDue()
      .catch((error) => logger.warn('webhook sender failed', { error: errorMessage(error) }))
      .finally(() => {
        if (kickedWhileBusy) {
          kickedWhileBusy = false;
          kick();
        }
      });
  }

  return {
    deliverDue,
    kick,
    start(intervalMs = 500) {
      running = true;
      timer = setInterval(kick, intervalMs);
      kick();
    },
    async stop() {
      running = false;
      if (timer) clearInterval(timer);
      await busy;
    },
    /** For the ledger view: deliveries still waiting, per webhook. */
    async pendingCount(webhookIds?: string[]): Promise<number> {
      const rows = await db
        .select({ id: emulatorWebhookDeliveries.id })
        .from(emulatorWebhookDeliveries)
        .where(
          and(
            eq(emulatorWebhookDeliveries.status, 'pending'),
            webhookIds ? inArray(emulatorWebhookDeliveries.webhookId, webhookIds) : undefined,
          ),
        );
      return rows.length;
    },
  };
}

export type WebhookSender = ReturnType<typeof createWebhookSender>;
