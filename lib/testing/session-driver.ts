import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { getSessionByToken } from '@/lib/charging/queries';
import type { SessionView } from '@/lib/charging/session-view';
import { chargers, sessionEvents, type ChargingSessionRow } from '@/lib/db/schema';
import type { Harness } from './harness';
import { ScriptedChargePoint, type ScriptedChargePointOptions } from './scripted-charge-point';
import { waitFor } from './wait';

/**
 * The steps integration tests take on behalf of a driver against a harness:
 * pay, approve in the emulated app, follow the session, and read what the
 * money truth is (the emulator's ledger). Shared by the engine, charger and
 * payment tests.
 */

export interface Checkout {
  token: string;
  sessionId: string;
  reference: string;
  redirectUrl: string;
  /** The token in the wallet link, by which the emulated app approves. */
  landingToken: string;
}

export async function pay(h: Harness, chargerId: string, amount = 35_000, clientKey?: string): Promise<Checkout> {
  const result = await h.runtime.charging.startCheckout({ checkoutId: randomUUID(), chargerId, connectorId: 1, amount, clientKey });
  if (!result.ok) throw new Error(`checkout failed: ${result.failure}: ${result.message}`);
  const session = (await getSessionByToken(h.runtime.database.db, result.token))!;
  return {
    token: result.token,
    sessionId: session.id,
    reference: session.reference,
    redirectUrl: result.redirectUrl,
    landingToken: new URL(result.redirectUrl).searchParams.get('token')!,
  };
}

export async function approveInApp(h: Harness, landingToken: string): Promise<void> {
  const result = await h.runtime.emulator!.ledger.approve({ landingToken });
  if (!result.ok) throw new Error(`approval failed: ${result.reason}`);
}

/** Pays, approves in the wallet and lets the engine send the remote start. */
export async function payAndApprove(h: Harness, chargerId: string, amount = 35_000): Promise<Checkout> {
  const checkout = await pay(h, chargerId, amount);
  await approveInApp(h, checkout.landingToken);
  await h.settle();
  return checkout;
}

/** The session as the driver's page shows it. */
export async function view(h: Harness, token: string): Promise<SessionView> {
  return (await h.runtime.charging.sessionView(token))!;
}

/** The session's row, for what only the operator sees (review reason, overrun, stop cause). */
export async function sessionRow(h: Harness, token: string): Promise<ChargingSessionRow> {
  return (await getSessionByToken(h.runtime.database.db, token))!;
}

/** Settles, waiting in between for messages that arrive over the charger's socket. */
export async function settleUntil(h: Harness, token: string, state: string, timeoutMs = 5000): Promise<ChargingSessionRow> {
  let last = '';
  return waitFor(
    async () => {
      await h.settle();
      const row = await sessionRow(h, token);
      last = row.state;
      return row.state === state ? row : undefined;
    },
    `session ${state} (is ${last || 'unknown'})`,
    timeoutMs,
  );
}

export interface LedgerAmounts {
  state: string;
  authorized: number;
  captured: number;
  cancelled: number;
  refunded: number;
}

/** What the payment provider holds for the session: the money truth. */
export async function ledger(h: Harness, token: string): Promise<LedgerAmounts> {
  const { reference } = await sessionRow(h, token);
  const body = (await h.runtime.emulator!.ledger.getPayment(reference)).body as {
    state: string;
    aggregate: Record<string, { value: number }>;
  };
  return {
    state: body.state,
    authorized: body.aggregate.authorizedAmount?.value ?? 0,
    captured: body.aggregate.capturedAmount?.value ?? 0,
    cancelled: body.aggregate.cancelledAmount?.value ?? 0,
    refunded: body.aggregate.refundedAmount?.value ?? 0,
  };
}

export async function waitUntilOnline(h: Harness, chargerId: string, online = true): Promise<void> {
  await waitFor(
    async () => (await h.runtime.database.db.select().from(chargers).where(eq(chargers.id, chargerId)))[0]?.online === online,
    `${chargerId} ${online ? 'online' : 'offline'}`,
  );
}

/** The flat demo tariff: 4.90 NOK per kWh including VAT, rounded to whole øre. */
export function flatPrice(wh: number): number {
  return Math.round((wh * 490) / 1000);
}

export async function appliedEvents(h: Harness, token: string, type: string): Promise<number> {
  const { id } = await sessionRow(h, token);
  const rows = await h.runtime.database.db.select().from(sessionEvents).where(eq(sessionEvents.sessionId, id));
  return rows.filter((e) => e.type === type && e.applied).length;
}

/** A charge point scripted message by message on the harness clock, connected and online. */
export async function scriptedChargePoint(
  h: Harness,
  id: string,
  options: Partial<ScriptedChargePointOptions> = {},
): Promise<ScriptedChargePoint> {
  const cp = new ScriptedChargePoint({ url: h.ocppUrl, id, password: 'demo-secret', clock: h.clock, ...options });
  await cp.connect();
  await waitUntilOnline(h, id);
  return cp;
}
