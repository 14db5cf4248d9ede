import { eq } from 'drizzle-orm';
import type { SimulatedChargePoint, SimulatedChargePointOptions } from '@/lib/chargers/simulator/charge-point';
import { chargers, connectors, ocppTransactions } from '@/lib/db/schema';
import type { Harness } from '@/lib/testing/harness';
import { payAndApprove, settleUntil, waitUntilOnline } from '@/lib/testing/session-driver';
import { waitFor } from '@/lib/testing/wait';
import { hashChargerPassword } from '../passwords';

/**
 * What the charger integration tests share besides the driver's steps
 * (lib/testing/session-driver.ts): a fresh charger per test (on the demo
 * site, flat tariff 4.90 NOK/kWh incl. VAT, password demo-secret) and
 * simulated chargers on the harness clock.
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
  const cp = await h.chargePoint(id, { reconnectDelayMs: 50, ...options });
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

/** A paid session that is charging on `cp`. */
export async function startCharging(h: Harness, cp: SimulatedChargePoint, chargerId: string, amount = 35_000): Promise<string> {
  const { token } = await payAndApprove(h, chargerId, amount);
  await cp.settled();
  await settleUntil(h, token, 'CHARGING');
  return token;
}
