import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { chargers, sessionEvents, type ChargingSessionRow } from '@/lib/db/schema';
import { getSessionById } from '@/lib/charging/queries';
import type { Harness } from './harness';
import { ScriptedChargePoint, type ScriptedChargePointOptions } from './scripted-charge-point';
import { waitFor } from './wait';

/**
 * The steps tests take on behalf of a driver and a charger, against a
 * harness: pay, approve in the emulated app, read the session and the
 * emulator's ledger.
 */

export async function scriptedChargePoint(
  h: Harness,
  id: string,
  options: Partial<ScriptedChargePointOptions> = {},
): Promise<ScriptedChargePoint> {
  const cp = new ScriptedChargePoint({ url: h.ocppUrl, id, password: 'demo-secret', clock: h.clock, ...options });
  await cp.connect();
  await waitFor(async () => (await h.runtime.database.db.select().from(chargers).where(eq(chargers.id, id)))[0]?.online, `${id} online`);
  return cp;
}

export async function startPayment(h: Harness, chargerId: string, amount: number, clientKey?: string) {
  const result = await h.runtime.charging.startCheckout({ checkoutId: randomUUID(), chargerId, connectorId: 1, amount, clientKey });
  if (!result.ok) throw new Error(`checkout failed: ${result.failure}: ${result.message}`);
  return { ...result, landingToken: new URL(result.redirectUrl).searchParams.get('token')! };
}

export async function approveInApp(h: Harness, landingToken: string): Promise<void> {
  const result = await h.runtime.emulator!.ledger.approve({ landingToken });
  if (!result.ok) throw new Error(`approval failed: ${result.reason}`);
}

export async function session(h: Harness, sessionId: string): Promise<ChargingSessionRow> {
  return (await getSessionById(h.runtime.database.db, sessionId))!;
}

/** Settles the system until the session reaches the state (messages over sockets arrive in between). */
export async function settleUntil(h: Harness, sessionId: string, state: string, timeoutMs = 5000): Promise<ChargingSessionRow> {
  return waitFor(
    async () => {
      await h.settle();
      const s = await session(h, sessionId);
      return s.state === state ? s : undefined;
    },
    `session ${state}`,
    timeoutMs,
  );
}

export interface Ledger {
  state: string;
  authorized: number;
  captured: number;
  cancelled: number;
  refunded: number;
}

export async function ledger(h: Harness, reference: string): Promise<Ledger> {
  const result = await h.runtime.emulator!.ledger.getPayment(reference);
  const body = result.body as { state: string; aggregate: Record<string, { value: number }> };
  return {
    state: body.state,
    authorized: body.aggregate.authorizedAmount!.value,
    captured: body.aggregate.capturedAmount!.value,
    cancelled: body.aggregate.cancelledAmount!.value,
    refunded: body.aggregate.refundedAmount!.value,
  };
}

export async function appliedEvents(h: Harness, sessionId: string, type: string): Promise<number> {
  const rows = await h.runtime.database.db.select().from(sessionEvents).where(eq(sessionEvents.sessionId, sessionId));
  return rows.filter((e) => e.type === type && e.applied).length;
}
