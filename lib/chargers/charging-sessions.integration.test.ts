import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meterSamples, ocppTransactions } from '@/lib/db/schema';
import { startHarness, type Harness } from '@/lib/testing/harness';
import { waitFor } from '@/lib/testing/wait';
import { ocppConfiguration } from './ocpp/schema';
import { addCharger, chargeOver, connectCharger, connectorStatus, deliverOver, startCharging, stoppedTransaction } from './testing/session-helpers';
import { ledger, pay, payAndApprove, settleUntil, view } from '@/lib/testing/session-driver';

/**
 * Paid sessions against the real central system over WebSocket, through the
 * engine and the Vipps emulator. Every charger here is new and priced with
 * the flat demo tariff: 4.90 NOK per kWh including VAT.
 */

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

/** Past the engine's start timeout (3 minutes unless configured). */
const startTimeoutMs = () => h.runtime.config.timers.startTimeoutSeconds * 1000 + 1000;

const transactionsOf = (chargerId: string) =>
  h.runtime.database.db.select().from(ocppTransactions).where(eq(ocppTransactions.chargerId, chargerId));

/** Until the configuration probe has asked for power readings, MeterValues carry the energy register only. */
async function probed(chargerId: string) {
  await waitFor(async () => {
    const rows = await h.runtime.database.db.select().from(ocppConfiguration).where(eq(ocppConfiguration.chargerId, chargerId));
    return rows.find((r) => r.key === 'StopTransactionOnInvalidId')?.changeStatus === 'Accepted';
  }, 'configuration probe');
}

describe('a paid session on an OCPP 1.6J charger', () => {
  it('happy path: charges on the power curve, shows energy and power live, the driver stops, exactly the price is captured', async () => {
    const id = await addCharger(h);
    const cp = await connectCharger(h, id, { ev: { capacityWh: 60_000, socPercent: 20, maxPowerW: 11_000 } });
    await probed(id);
    const token = await startCharging(h, cp, id);

    await chargeOver(h, cp, 3600); // one hour at 11 kW, well below the taper at 80 %
    await waitFor(async () => (await view(h, token)).energyWh === 11_000, 'live energy');
    expect(await view(h, token)).toMatchObject({ state: 'CHARGING', energyWh: 11_000, powerW: 11_000, cost: 5390 }); // 11 kWh × 4.90

    expect((await h.runtime.charging.requestStop(token)).ok).toBe(true);
    await settleUntil(h, token, 'COMPLETED');

    expect(await view(h, token)).toMatchObject({ energyWh: 11_000, capturedAmount: 5390, releasedAmount: 35_000 - 5390, receiptPosted: true });
    expect(await ledger(h, token)).toMatchObject({ authorized: 35_000, captured: 5390, cancelled: 29_610 });
    const [transaction] = await transactionsOf(id);
    expect(transaction).toMatchObject({ stopReason: 'Remote', meterStopWh: transaction!.meterStartWh + 11_000 });
    expect(cp.activeTransactionId).toBeUndefined();
  });

  it('a charger metering on its own sends MeterValues at its sample interval, and the bill matches its register', async () => {
    const id = await addCharger(h);
    const cp = await connectCharger(h, id, { meterIntervalSeconds: 1 }); // the probe keeps an interval shorter than 15 s
    const token = await startCharging(h, cp, id);
    const started = Date.now();
    const periodic = () =>
      h.runtime.database.db
        .select()
        .from(meterSamples)
        .where(and(eq(meterSamples.chargerId, id), eq(meterSamples.context, 'Sample.Periodic')));
    await waitFor(async () => (await periodic()).length >= 2, 'two periodic readings');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500); // one per second, not a burst
    await waitFor(async () => (await view(h, token)).energyWh > 0, 'energy on the page');

    await cp.stopLocally();
    await settleUntil(h, token, 'COMPLETED');
    const [transaction] = await transactionsOf(id);
    const final = await view(h, token);
    expect(final.energyWh).toBe(transaction!.meterStopWh! - transaction!.meterStartWh);
    expect((await ledger(h, token)).captured).toBe(final.capturedAmount);
    expect(final.capturedAmount).toBe(final.cost);
  });

  it('start rejected: the charger refuses the remote start, the whole reservation is released', async () => {
    const id = await addCharger(h);
    await connectCharger(h, id, { remoteStart: 'reject' });

    const { token } = await payAndApprove(h, id, 20_000);
    await settleUntil(h, token, 'FAILED');

    expect((await view(h, token)).message).toBe('The charger refused to start');
    await waitFor(async () => (await ledger(h, token)).cancelled === 20_000, 'reservation released');
    expect(await ledger(h, token)).toMatchObject({ captured: 0, cancelled: 20_000 });
    expect(await transactionsOf(id)).toHaveLength(0);
  });

  it('no cable within the timeout: the charger gives up, the session fails and nothing is captured', async () => {
    const id = await addCharger(h);
    const cp = await connectCharger(h, id, { carPluggedIn: false, connectionTimeoutSeconds: 0.3 });

    const { token } = await payAndApprove(h, id);
    await settleUntil(h, token, 'STARTING');
    await waitFor(async () => (await connectorStatus(h, id)) === 'Preparing', 'waiting for the cable');
    // The charger's ConnectionTimeOut runs out: back to Available.
    await waitFor(async () => (await connectorStatus(h, id)) === 'Available', 'charger gave up');

    await h.advance(startTimeoutMs());
    await settleUntil(h, token, 'FAILED');
    expect((await view(h, token)).message).toMatch(/did not start in time/);
    expect(await ledger(h, token)).toMatchObject({ captured: 0, cancelled: 35_000 });

    // The driver plugs in too late: the charger no longer has a start waiting, nothing happens.
    await cp.plugIn();
    expect(await transactionsOf(id)).toHaveLength(0);
  });

  it('a car plugged in after the engine gave up is refused (Invalid) and stopped at once, for free', async () => {
    const id = await addCharger(h);
    const cp = await connectCharger(h, id, { carPluggedIn: false, connectionTimeoutSeconds: 3600 });
    await probed(id); // StopTransactionOnInvalidId=true

    const { token } = await payAndApprove(h, id);
    await settleUntil(h, token, 'STARTING');
    // The engine waits as long as this charger waits for the cable (its ConnectionTimeOut), plus a minute.
    await h.advance((3600 + 60) * 1000);
    await settleUntil(h, token, 'FAILED');

    await cp.plugIn();
    const transaction = await stoppedTransaction(h, id);
    expect(transaction).toMatchObject({ idTagStatus: 'Invalid', stopReason: 'DeAuthorized', sessionId: null });
    await h.settle();
    expect(await ledger(h, token)).toMatchObject({ captured: 0, cancelled: 35_000 });
  });

  it('EV full: the car stops drawing (SuspendedEV), the session stays open and bills only what went in', async () => {
    const id = await addCharger(h);
    const cp = await connectCharger(h, id, { ev: { capacityWh: 10_000, socPercent: 90, maxPowerW: 11_000 } });
    const token = await startCharging(h, cp, id);

    await chargeOver(h, cp, 2 * 3600); // tapers from 90 % and reaches full: exactly 1 kWh
    await waitFor(async () => (await connectorStatus(h, id)) === 'SuspendedEV', 'SuspendedEV');
    await waitFor(async () => (await view(h, token)).energyWh === 1000, 'energy up to full');
    expect(cp.socPercent).toBe(100);
    await chargeOver(h, cp, 600); // a full car takes nothing more
    expect(await view(h, token)).toMatchObject({ state: 'CHARGING', energyWh: 1000 });

    await cp.unplug();
    await settleUntil(h, token, 'COMPLETED');
    expect(await ledger(h, token)).toMatchObject({ captured: 490, cancelled: 35_000 - 490 }); // 1 kWh × 4.90
    expect((await transactionsOf(id))[0]!.stopReason).toBe('EVDisconnected');
  });

  it('driver stop: the charger ends the transaction (Remote), energy after the stop is not billed', async () => {
    const id = await addCharger(h);
    const cp = await connectCharger(h, id);
    const token = await startCharging(h, cp, id);
    await deliverOver(h, cp, 2000, 600);

    await h.runtime.charging.requestStop(token);
    await settleUntil(h, token, 'COMPLETED');
    expect(cp.activeTransactionId).toBeUndefined();
    expect(cp.connectorStatus).toBe('Finishing');
    await expect(cp.deliver(500)).rejects.toThrow(/no transaction/);

    expect(await view(h, token)).toMatchObject({ energyWh: 2000, capturedAmount: 980 }); // 2 kWh × 4.90
    expect(await ledger(h, token)).toMatchObject({ captured: 980, cancelled: 34_020 });
    expect((await transactionsOf(id))[0]!.stopReason).toBe('Remote');
  });

  it('driver cancels while the charger waits for the cable: all money is released, a late plug-in is refused', async () => {
    const id = await addCharger(h);
    const cp = await connectCharger(h, id, { carPluggedIn: false, connectionTimeoutSeconds: 3600 });
    await probed(id);
    const { token } = await payAndApprove(h, id);
    await settleUntil(h, token, 'STARTING');

    await h.runtime.charging.requestStop(token);
    await settleUntil(h, token, 'CANCELLED');
    await waitFor(async () => (await ledger(h, token)).cancelled === 35_000, 'reservation released');

    await cp.plugIn();
    expect(await stoppedTransaction(h, id)).toMatchObject({ idTagStatus: 'Invalid', stopReason: 'DeAuthorized' });
    expect((await ledger(h, token)).captured).toBe(0);
  });

  it('charger-side stop: the driver stops at the charger (Local) and pays for what was delivered', async () => {
    const id = await addCharger(h);
    const cp = await connectCharger(h, id);
    const token = await startCharging(h, cp, id);
    await deliverOver(h, cp, 7500, 3600);

    await cp.stopLocally();
    await settleUntil(h, token, 'COMPLETED');
    expect(await view(h, token)).toMatchObject({ energyWh: 7500, capturedAmount: 3675 }); // 7.5 kWh × 4.90
    expect(await ledger(h, token)).toMatchObject({ captured: 3675, cancelled: 31_325 });
    expect((await transactionsOf(id))[0]!.stopReason).toBe('Local');
  });

  it('fault while charging: the transaction ends, the energy so far is billed, and the next driver is told before paying', async () => {
    const id = await addCharger(h);
    const cp = await connectCharger(h, id);
    const token = await startCharging(h, cp, id);
    await deliverOver(h, cp, 4000, 1800);

    await cp.fault('GroundFailure');
    await settleUntil(h, token, 'COMPLETED');
    expect(await ledger(h, token)).toMatchObject({ captured: 1960, cancelled: 33_040 }); // 4 kWh × 4.90
    expect(await connectorStatus(h, id)).toBe('Faulted');

    const next = await h.runtime.charging.startCheckout({ checkoutId: randomUUID(), chargerId: id, connectorId: 1, amount: 20_000 });
    expect(next).toMatchObject({ ok: false, failure: 'charger-unavailable' });

    await cp.clearFault();
    await waitFor(async () => (await connectorStatus(h, id)) !== 'Faulted', 'fault cleared');
    await pay(h, id, 20_000); // paying is possible again
  });

  it('kWh meter units split over three phases: the driver sees the right energy and cost, the money follows the register', async () => {
    const id = await addCharger(h);
    const cp = await connectCharger(h, id, { energyUnit: 'kWh', phases: 3, registerWh: 1_234_567 });
    const token = await startCharging(h, cp, id);

    await deliverOver(h, cp, 12_345, 3600); // sent as three "411.6xx" kWh phase registers
    await waitFor(async () => (await view(h, token)).energyWh === 12_345, 'energy from kWh phase registers');
    expect((await view(h, token)).cost).toBe(6049); // 12.345 kWh × 4.90 = 60.4905 → 60.49

    await cp.stopLocally();
    await settleUntil(h, token, 'COMPLETED');
    expect(await ledger(h, token)).toMatchObject({ captured: 6049, cancelled: 35_000 - 6049 });
  });
});
