import { eq, inArray } from 'drizzle-orm';
import type { Db, Tx } from '@/lib/db/client';
import { vippsWebhookEvents, vippsWebhookRegistrations } from '@/lib/db/schema';
import type { Logger } from '@/lib/logger';
import type { VippsClient } from './client';
import {
  EPAYMENT_WEBHOOK_EVENTS,
  webhookEnvelopeSchema,
  webhookEventSchema,
  webhookListSchema,
  webhookRegisteredSchema,
  type WebhookEvent,
} from './types';
import { verifyWebhookSignature } from './webhook-signature';

export const WEBHOOK_PATH = '/api/vipps/webhook';

export function webhookUrl(publicBaseUrl: string): string {
  return `${publicBaseUrl}${WEBHOOK_PATH}`;
}

/** https, or (for the emulator and local runs only) http on loopback. */
function isRegistrableWebhookUrl(url: string): boolean {
  return url.startsWith('https://') || /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\//.test(url);
}

export interface WebhookRegistrationResult {
  id: string;
  created: boolean;
  /** Registrations for our URL that were removed: outdated, duplicated, or ones we hold no secret for. */
  removed: string[];
}

/**
 * Makes sure Vipps has exactly one registration for our public webhook URL
 * with the events we need, and that we hold its secret (returned only at
 * registration). Safe to call at every start and from an admin button:
 * when all is in order it changes nothing.
 *
 * A registration we have no secret for is useless (every delivery would be
 * refused and, being ordered, block later ones): a new one is registered
 * first and only then the old ones are deleted, so no event falls between.
 * The secret goes to the database and nowhere else (never to the log).
 */
export async function ensureWebhookRegistration(deps: {
  client: VippsClient;
  db: Db;
  url: string;
  logger: Logger;
  events?: readonly string[];
}): Promise<WebhookRegistrationResult> {
  const { client, db, url, logger } = deps;
  const wanted = [...(deps.events ?? EPAYMENT_WEBHOOK_EVENTS)];
  if (!isRegistrableWebhookUrl(url)) {
    throw new Error(`Vipps delivers webhooks only to a public https URL, and ${url} is not one: set PUBLIC_BASE_URL`);
  }
  const listed = webhookListSchema.parse(await client.sdkCall('list webhooks', (sdk, token) => sdk.webhook.list(token)));
  const remote = listed.webhooks.filter((w) => w.url === url);
  const stored = await db.select().from(vippsWebhookRegistrations).where(eq(vippsWebhookRegistrations.url, url));

  // The oldest usable registration wins, so two instances starting together keep the same one.
  const usable = stored
    .filter((s) => remote.some((w) => w.id === s.id && wanted.every((event) => w.events.includes(event))))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));

  let keep: string;
  let created = false;
  if (usable[0]) {
    keep = usable[0].id;
  } else {
    const registered = webhookRegisteredSchema.parse(
      await client.sdkCall('register webhook', (sdk, token) => sdk.webhook.register(token, { url, events: wanted })),
    );
    await db.insert(vippsWebhookRegistrations).values({ id: registered.id, url, events: wanted, secret: registered.secret });
    keep = registered.id;
    created = true;
    logger.info('registered the Vipps webhook', { url, id: keep, events: wanted });
  }

  const removed: string[] = [];
  for (const old of remote.filter((w) => w.id !== keep)) {
    try {
      await client.sdkCall('delete webhook', (sdk, token) => sdk.webhook.delete(token, old.id));
      removed.push(old.id);
    } catch (error) {
      // Its deliveries still verify while we hold its secret; the next call tries again.
      logger.warn('could not delete an outdated webhook registration', { id: old.id, error: String(error) });
    }
  }
  // Forget secrets of registrations Vipps no longer has (deleted above, or dropped by Vipps).
  const stillRemote = new Set(remote.map((w) => w.id).filter((id) => !removed.includes(id)));
  stillRemote.add(keep);
  const forgotten = stored.filter((s) => !stillRemote.has(s.id)).map((s) => s.id);
  if (forgotten.length > 0) await db.delete(vippsWebhookRegistrations).where(inArray(vippsWebhookRegistrations.id, forgotten));
  return { id: keep, created, removed };
}

export type WebhookReceipt =
  | { status: 401; reason: string }
  | { status: 400; reason: string }
  | { status: 200; duplicate: boolean; event: WebhookEvent | undefined };

/**
 * Verifies, records and de-duplicates one delivery. New events are handed to
 * `onNewEvent` inside the same transaction (it enqueues the work), so the
 * answer to Vipps can be quick and nothing is lost if we crash after it.
 *
 * Host and path for the signature come from the registered URL, never from
 * the request as we see it (a proxy may have rewritten both).
 */
export async function receiveWebhook(
  deps: { db: Db; url: string; onNewEvent: (tx: Tx, event: WebhookEvent) => Promise<void> },
  request: { rawBody: string; headers: { get(name: string): string | null } },
): Promise<WebhookReceipt> {
  const registrations = await deps.db
    .select()
    .from(vippsWebhookRegistrations)
    .where(eq(vippsWebhookRegistrations.url, deps.url));
  if (registrations.length === 0) return { status: 401, reason: 'no webhook registration for this URL' };
  // During a re-registration two secrets can be live; either may have signed.
  const verified = registrations.some(
    (r) => verifyWebhookSignature({ secret: r.secret, registeredUrl: r.url, rawBody: request.rawBody, headers: request.headers }).ok,
  );
  if (!verified) return { status: 401, reason: 'invalid signature' };

  let json: unknown;
  try {
    json = JSON.parse(request.rawBody);
  } catch {
    return { status: 400, reason: 'body is not JSON' };
  }
  const envelope = webhookEnvelopeSchema.safeParse(json);
  if (!envelope.success) return { status: 400, reason: 'not an ePayment event' };
  // Signed by Vipps but not a shape we act on (a newer event): recorded and acknowledged, since a
  // non-2xx would hold back every later event for this payment.
  const parsed = webhookEventSchema.safeParse(json);
  const event = parsed.success ? parsed.data : undefined;

  const duplicate = await deps.db.transaction(async (tx) => {
    const inserted = await tx
      .insert(vippsWebhookEvents)
      .values({
        reference: envelope.data.reference,
        name: envelope.data.name,
        pspReference: envelope.data.pspReference,
        payload: envelope.data,
      })
      .onConflictDoNothing()
      .returning({ id: vippsWebhookEvents.id });
    if (inserted.length === 0) return true;
    if (event) await deps.onNewEvent(tx, event);
    return false;
  });
  return { status: 200, duplicate, event };
}
