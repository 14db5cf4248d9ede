import { eq } from 'drizzle-orm';
import type { Db, Tx } from '@/lib/db/client';
import { vippsWebhookEvents, vippsWebhookRegistrations } from '@/lib/db/schema';
import type { Logger } from '@/lib/logger';
import { describeSdkError, type VippsClient } from './client';
import { VippsUnavailableError } from './errors';
import { EPAYMENT_WEBHOOK_EVENTS, webhookEventSchema, type WebhookEvent } from './types';
import { verifyWebhookSignature } from './webhook-signature';

export const WEBHOOK_PATH = '/api/vipps/webhook';

export function webhookUrl(publicBaseUrl: string): string {
  return `${publicBaseUrl}${WEBHOOK_PATH}`;
}

/**
 * Makes sure Vipps has a registration for our public webhook URL with the
 * events we need, and that we hold its secret (returned only at
 * registration). A registration we have no secret for is useless: it is
 * deleted and registered again.
 */
export async function ensureWebhookRegistration(deps: {
  client: VippsClient;
  db: Db;
  url: string;
  logger: Logger;
}): Promise<{ id: string; created: boolean }> {
  const { client, db, url, logger } = deps;
  const token = await client.accessToken();
  const listed = await client.sdk.webhook.list(token);
  if (!listed.ok) throw new VippsUnavailableError(`listing webhooks failed: ${describeSdkError(listed.error)}`);
  const remote = (listed.data.webhooks ?? []).filter((w) => w.url === url);
  const stored = await db.select().from(vippsWebhookRegistrations).where(eq(vippsWebhookRegistrations.url, url));
  const wanted = new Set<string>(EPAYMENT_WEBHOOK_EVENTS);

  const usable = remote.find(
    (w) => stored.some((s) => s.id === w.id) && [...wanted].every((event) => (w.events ?? []).includes(event)),
  );
  if (usable) {
    // Forget secrets of registrations Vipps no longer has.
    for (const s of stored.filter((s) => !remote.some((w) => w.id === s.id))) {
      await db.delete(vippsWebhookRegistrations).where(eq(vippsWebhookRegistrations.id, s.id));
    }
    return { id: usable.id, created: false };
  }

  const registered = await client.sdk.webhook.register(token, { url, events: [...wanted] });
  if (!registered.ok) throw new VippsUnavailableError(`registering the webhook failed: ${describeSdkError(registered.error)}`);
  const { id, secret } = registered.data;
  await db.transaction(async (tx) => {
    await tx.delete(vippsWebhookRegistrations).where(eq(vippsWebhookRegistrations.url, url));
    await tx.insert(vippsWebhookRegistrations).values({ id, url, events: [...wanted], secret });
  });
  // Only now remove the old registrations, so no event falls between two registrations.
  for (const old of remote) {
    const deleted = await client.sdk.webhook.delete(token, old.id);
    if (!deleted.ok) logger.warn('could not delete an outdated webhook registration', { id: old.id });
  }
  logger.info('registered the Vipps webhook', { url, id });
  return { id, created: true };
}

export type WebhookReceipt =
  | { status: 401; reason: string }
  | { status: 400; reason: string }
  | { status: 200; duplicate: boolean; event: WebhookEvent };

/**
 * Verifies, records and de-duplicates one delivery. New events are handed to
 * `onNewEvent` inside the same transaction (it enqueues the work), so the
 * answer to Vipps can be quick and nothing is lost if we crash after it.
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
  const parsed = webhookEventSchema.safeParse(json);
  if (!parsed.success) return { status: 400, reason: 'not an ePayment event' };
  const event = parsed.data;

  const duplicate = await deps.db.transaction(async (tx) => {
    const inserted = await tx
      .insert(vippsWebhookEvents)
      .values({
        reference: event.reference,
        name: event.name,
        pspReference: event.pspReference,
        payload: event as unknown as Record<string, unknown>,
      })
      .onConflictDoNothing()
      .returning({ id: vippsWebhookEvents.id });
    if (inserted.length === 0) return true;
    await deps.onNewEvent(tx, event);
    return false;
  });
  return { status: 200, duplicate, event };
}
