import { eq } from 'drizzle-orm';
import type { SimulatedChargePoint } from '@/lib/chargers/simulator/charge-point';
import { vippsWebhookRegistrations } from '@/lib/db/schema';
import type { Harness } from '@/lib/testing/harness';
import { settleUntil, view } from '@/lib/testing/session-driver';
import { waitFor } from '@/lib/testing/wait';
import { emulatorWebhookDeliveries } from '../emulator/schema';
import { signWebhook } from '../webhook-signature';

/** What the payments integration tests add to the driver's steps (lib/testing/session-driver.ts). */

/**
 * From AUTHORIZED: the charger starts, charges `wh` over `minutes` of
 * harness time (the engine refuses energy a charger could not deliver),
 * the driver stops, and the session settles.
 */
export async function chargeAndStop(h: Harness, cp: SimulatedChargePoint, token: string, wh: number, minutes = 10): Promise<void> {
  await h.settle();
  await cp.settled();
  await settleUntil(h, token, 'CHARGING');
  h.clock.advance(minutes * 60_000);
  await cp.deliver(wh);
  await waitFor(async () => (await view(h, token)).energyWh === wh, 'meter values');
  const stop = await h.runtime.charging.requestStop(token);
  if (!stop.ok) throw new Error(stop.message);
  await settleUntil(h, token, 'COMPLETED');
}

/**
 * Makes our endpoint refuse every delivery (as if its secret were lost), so
 * Vipps' events pile up, retried and held in order; returns the way back.
 */
export async function breakWebhooks(h: Harness): Promise<{ secret: string; restore(): Promise<void> }> {
  const db = h.runtime.database.db;
  const [row] = await db.select().from(vippsWebhookRegistrations).where(eq(vippsWebhookRegistrations.url, h.runtime.webhookUrl));
  if (!row) throw new Error('no webhook registration');
  await db.update(vippsWebhookRegistrations).set({ secret: 'not-the-secret' }).where(eq(vippsWebhookRegistrations.id, row.id));
  return {
    secret: row.secret,
    restore: async () => {
      await db.update(vippsWebhookRegistrations).set({ secret: row.secret }).where(eq(vippsWebhookRegistrations.id, row.id));
    },
  };
}

/** The bodies the emulator still holds for a payment, oldest first. */
export async function heldDeliveries(h: Harness, reference: string): Promise<string[]> {
  const rows = await h.runtime.database.db
    .select()
    .from(emulatorWebhookDeliveries)
    .where(eq(emulatorWebhookDeliveries.reference, reference))
    .orderBy(emulatorWebhookDeliveries.id);
  return rows.filter((r) => r.status === 'pending').map((r) => r.body);
}

/** Posts one delivery to our webhook endpoint, signed as Vipps would sign it. */
export async function deliver(h: Harness, secret: string, body: string): Promise<{ status: number; duplicate?: boolean }> {
  const headers = signWebhook(secret, h.runtime.webhookUrl, body, h.clock.now().toUTCString());
  const response = await fetch(h.runtime.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const answer = (await response.json()) as { duplicate?: boolean };
  return { status: response.status, duplicate: answer.duplicate };
}
