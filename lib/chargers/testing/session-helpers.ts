import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { SimulatedChargePoint, SimulatedChargePointOptions } from '@/lib/chargers/simulator/charge-point';
import { getSessionByToken } from '@/lib/charging/queries';
import { chargers, connectors, ocppTransactions } from '@/lib/db/schema';
import type { Harness } from '@/lib/testing/harness';
import { waitFor } from '@/lib/testing/wait';
import { hashChargerPassword } from '../passwords';

/**
 * What the charger integration tests share: a fresh charger per test (on
 * the demo site, flat tariff 4.90 NOK/kWh incl. VAT, password demo-secret),
 * a paid and approved checkout, and the views a driver and the money see.
 */

let passwordHash: Promise<string> | undefined;
let counter = 0;

/** A new charger nobody else uses, so tests cannot disturb each other. */
export async function addCharger(h: Harness, prefix = 'T'): Promise<string> {
  passwordHash ??= hashChargerPassword('demo-secret');
  const id = `${prefix}-${process.pid}-${++counter}`;
  await h.runtime.database.db.insert(chargers).values({
    id,
    siteId: 'demo-oslo',
    name: `Test charger ${id}`,
    tariffId: 'demo-flat',
    passwordHash: await passwordHash,
    maxPowerW: 22_000,
  });
  await h.runtime.database.db.insert(connectors).values({ chargerId: id, connectorId: 1, status: 'Unavailable' });
  return id;
}

export async function chargerRow(h: Harness, id: string) {
  const [row] = await h.runtime.database.db.select().from(chargers).where(eq(chargers.id, id));
  return row!;
}

export async function connectorStatus(h: Harness, id: string): Promise<string | undefined> {
  const [row] = await h.runtime.database.db.select().from(connectors).where(eq(connectors.chargerId, id));
  return row?.status;
}

/** The charger's first transaction, once its StopTransaction has been processed (that happens after the answer). */
export async function stoppedTransaction(h: Harness, chargerId: string) {
  return waitFor(async () => {
    const [row] = await h.runtime.database.db.select().from(ocppTransactions).where(eq(ocppTransactions.chargerId, chargerId));
    return row?.stoppedAt ? row : undefined;
  }, `a stopped transaction on ${chargerId}`);
}

export async function waitUntilOnline(h: Harness, id: string, online = true): Promise<void> {
  await waitFor(async () => (await chargerRow(h, id)).online === online, `${id} ${online ? 'online' : 'offline'}`);
}

/**
 * A simulated charger on the harness's fake clock, connected and online.
 * The engine checks that every meter step fits the charger's power in the
 * time between readings, so tests let time pass before energy arrives.
 */
export async function connectCharger(
  h: Harness,
  id: string,
  options: Partial<SimulatedChargePointOptions> = {},
): Promise<SimulatedChargePoint> {
  const cp = await h.chargePoint(id, { clock: h.clock, reconnectDelayMs: 50, ...options });
  await waitUntilOnline(h, id);
  return cp;
}

/** `seconds` of charging pass on the shared clock; then the charger reports exactly `wh` more. */
export async function deliverOver(h: Harness, cp: SimulatedChargePoint, wh: number, seconds: number): Promise<void> {
  h.clock.advance(seconds * 1000);
  await cp.deliver(wh);
}

/** `seconds` of charging on the charger's power curve, on the shared clock. */
export async function chargeOver(h: Harness, cp: SimulatedChargePoint, seconds: number): Promise<void> {
  h.clock.advance(seconds * 1000);
  await cp.chargeFor(seconds);
}

export async function pay(h: Harness, chargerId: string, amount = 35_000) {
  const result = await h.runtime.charging.startCheckout({ checkoutId: randomUUID(), chargerId, connectorId: 1, amount });
  if (!result.ok) throw new Error(`checkout failed: ${result.message}`);
  const landingToken = new URL(result.redirectUrl).searchParams.get('token')!;
  return { token: result.token, landingToken };
}

export async function view(h: Harness, token: string) {
  return (await h.runtime.charging.sessionView(token))!;
}

/** Settles, waiting in between for messages that arrive over the charger's socket. */
export async function settleUntil(h: Harness, token: string, state: string, timeoutMs = 5000): Promise<void> {
  await waitFor(
    async () => {
      await h.settle();
      return (await view(h, token)).state === state;
    },
    `session ${state} (is ${(await view(h, token)).state})`,
    timeoutMs,
  );
}

/** Pays, approves in the wallet and lets the engine send the remote start; returns the driver's token. */
export async function payAndApprove(h: Harness, chargerId: string, amount = 35_000): Promise<string> {
  const checkout = await pay(h, chargerId, amount);
  const approval = await h.runtime.emulator!.ledger.approve({ landingToken: checkout.landingToken });
  if (!approval.ok) throw new Error(`approval failed: ${approval.reason}`);
  await h.settle();
  return checkout.token;
}

/** A paid session that is charging on `cp`. */
export async function startCharging(h: Harness, cp: SimulatedChargePoint, chargerId: string, amount = 35_000): Promise<string> {
  const token = await payAndApprove(h, chargerId, amount);
  await cp.settled();
  await settleUntil(h, token, 'CHARGING');
  return token;
}

export interface LedgerAmounts {
  state: string;
  authorized: number;
  captured: number;
  cancelled: number;
}

/** What the payment provider holds for the session: the money truth. */
export async function ledger(h: Harness, token: string): Promise<LedgerAmounts> {
  const session = (await getSessionByToken(h.runtime.database.db, token))!;
  const body = (await h.runtime.emulator!.ledger.getPayment(session.reference)).body as {
    state: string;
    aggregate: Record<string, { value: number }>;
  };
  return {
    state: body.state,
    authorized: body.aggregate.authorizedAmount?.value ?? 0,
    captured: body.aggregate.capturedAmount?.value ?? 0,
    cancelled: body.aggregate.cancelledAmount?.value ?? 0,
  };
}

/** The flat demo tariff: 4.90 NOK per kWh including VAT, rounded to whole øre. */
export function flatPrice(wh: number): number {
  return Math.round((wh * 490) / 1000);
}
