import { randomBytes, randomUUID } from 'node:crypto';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { isLoopbackHttp, parseUrl } from './urls';
import type { Clock } from '@/lib/clock';
import type { Db } from '@/lib/db/client';
import { errorMessage, type Logger } from '@/lib/logger';
import { signWebhook } from '../webhook-signature';
import { ok, problem, type EmulatorResponse } from './problems';
import { emulatorWebhookDeliveries, emulatorWebhooks } from './schema';

/**
 * Webhooks API v1 as the emulator serves it: registrations (the secret is
 * returned once), and deliveries signed with HMAC like the real ones,
 * retried with backoff on any non-2xx (or a redirect, or no answer in 10 s),
 * in order per registration: a failing event holds back the later events of
 * the same payment until it succeeds or is dropped after 7 days.
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
/** How long a failing delivery is retried before it is dropped, as Vipps does. */
export const WEBHOOK_RETRY_WINDOW_MS = 7 * 24 * 3600 * 1000;

export function isAllowedWebhookUrl(value: string): boolean {
  const url = parseUrl(value);
  if (!url) return false;
  // Vipps requires public HTTPS. The emulator also takes http on loopback, or local runs (the
  // harness, the offline demo) could not receive webhooks at all: a deliberate deviation.
  return url.protocol === 'https:' || isLoopbackHttp(url);
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
  /** Runs before each round; the emulator expires due payments here, so their EXPIRED events go out on time. */
  beforeRound?: () => Promise<unknown>;
}

/** Vipps' published schedule (2026, informative): ~2 s four times, 60 s, 120 s, hourly to attempt 29, then daily. */
export function vippsRetryDelayMs(attempt: number): number {
  if (attempt <= 4) return 2_000;
  if (attempt === 5) return 60_000;
  if (attempt === 6) return 120_000;
  if (attempt <= 29) return 3_600_000;
  return 24 * 3_600_000;
}

export function createWebhookSender(options: WebhookSenderOptions) {
  const { db, clock, logger } = options;
  const retryDelay = options.retryDelayMs ?? vippsRetryDelayMs;
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
        // A registered URL must not redirect: a 3xx is a failed delivery, not something to follow.
        redirect: 'manual',
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

  /**
   * Sends what is due, oldest first per registration. A delivery that is not
   * yet due or fails holds back the later ones for the same payment; other
   * payments' events go ahead.
   */
  async function deliverDue(): Promise<number> {
    if (busy) return busy;
    busy = (async () => {
      await options.beforeRound?.();
      let sent = 0;
      const hooks = await db.select().from(emulatorWebhooks);
      for (const hook of hooks) {
        const pending = await db
          .select()
          .from(emulatorWebhookDeliveries)
          .where(and(eq(emulatorWebhookDeliveries.webhookId, hook.id), eq(emulatorWebhookDeliveries.status, 'pending')))
          .orderBy(asc(emulatorWebhookDeliveries.id));
        const held = new Set<string>();
        for (const delivery of pending) {
          if (held.has(delivery.reference)) continue;
          const now = clock.now();
          if (now.getTime() - delivery.createdAt.getTime() > WEBHOOK_RETRY_WINDOW_MS) {
            await db.update(emulatorWebhookDeliveries).set({ status: 'dropped' }).where(eq(emulatorWebhookDeliveries.id, delivery.id));
            continue;
          }
          if (delivery.nextAttemptAt > now || !(await deliverOne(hook, delivery))) {
            held.add(delivery.reference);
            continue;
          }
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
