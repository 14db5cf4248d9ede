import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '@/lib/testing/harness';
import type { ScriptedChargePoint } from '@/lib/testing/scripted-charge-point';
import { appliedEvents, approveInApp, ledger, pay, scriptedChargePoint, sessionRow, settleUntil } from '@/lib/testing/session-driver';
import { waitFor } from '@/lib/testing/wait';
import { flatEnergyTariff, tariffHash } from '@/lib/pricing/tariff';
import { getStoredConfiguration } from '@/lib/chargers/ocpp/configuration-probe';
import { publishTariffVersion } from './tariffs';
import type { SessionPrice } from '@/lib/pricing/price-session';

// The engine against races, timers, the budget guard and bad meters: real sockets, the Vipps
// emulator, a charge point scripted message by message on the test's clock.

let h: Harness;
let cp: ScriptedChargePoint | undefined;

afterEach(async () => {
  await cp?.close();
  cp = undefined;
  await h?.close();
});

async function chargingSession(chargerId = 'DEMO-1', amount = 35_000, options: Parameters<typeof scriptedChargePoint>[2] = {}) {
  cp = await scriptedChargePoint(h, chargerId, options);
  const payment = await pay(h, chargerId, amount);
  await approveInApp(h, payment.landingToken);
  await h.settle();
  await cp.started();
  await settleUntil(h, payment.token, 'CHARGING');
  return payment;
}

describe('races', () => {
  it('a webhook and a poll arriving together authorise once and start the charger once', async () => {
    h = await startHarness();
    cp = await scriptedChargePoint(h, 'DEMO-1');
    const payment = await pay(h, 'DEMO-1', 20_000);
    await approveInApp(h, payment.landingToken);
    h.clock.advance(5_000); // the first poll is due now as well
    await Promise.all([h.runtime.emulator!.sender.deliverDue(), h.runtime.worker.runDue(), h.runtime.worker.runDue()]);
    await h.settle();
    await cp.started();
    await settleUntil(h, payment.token, 'CHARGING');
    expect(await appliedEvents(h, payment.token, 'PAYMENT_AUTHORIZED')).toBe(1);
    expect(cp.remoteStarts).toHaveLength(1);
  });

  it('two drivers paying for one connector: the first authorisation wins, the other is released at once', async () => {
    h = await startHarness();
    cp = await scriptedChargePoint(h, 'DEMO-1', { onRemoteStart: 'accept-only' });
    const first = await pay(h, 'DEMO-1', 20_000);
    // The first driver dawdles in the app past the short hold; a second driver pays and approves meanwhile.
    h.clock.advance(91_000);
    const second = await pay(h, 'DEMO-1', 35_000);
    await approveInApp(h, second.landingToken);
    await h.settle();
    await approveInApp(h, first.landingToken);
    await h.settle();

    const winner = await sessionRow(h, second.token);
    const loser = await sessionRow(h, first.token);
    expect(winner.state).toBe('STARTING');
    expect(loser.state).toBe('CANCELLED');
    expect(loser.failureReason).toMatch(/another driver/i);
    expect(await ledger(h, first.token)).toMatchObject({ authorized: 20_000, captured: 0, cancelled: 20_000 });
    expect(await ledger(h, second.token)).toMatchObject({ authorized: 35_000, cancelled: 0 });
    expect(cp.remoteStarts).toEqual([winner.idTag]);
  });

  it('two authorisations for one connector applied at the same moment: exactly one becomes live', async () => {
    h = await startHarness();
    cp = await scriptedChargePoint(h, 'DEMO-1', { onRemoteStart: 'accept-only' });
    const first = await pay(h, 'DEMO-1', 20_000);
    h.clock.advance(91_000);
    const second = await pay(h, 'DEMO-1', 20_000);
    await Promise.all([approveInApp(h, first.landingToken), approveInApp(h, second.landingToken)]);
    const paymentSync = (reference: string) => h.runtime.charging.jobHandlers['vipps.sync-payment']!({ reference }, undefined as never);
    await Promise.all([paymentSync(first.reference), paymentSync(second.reference)]);
    await h.settle();
    const states = [(await sessionRow(h, first.token)).state, (await sessionRow(h, second.token)).state].sort();
    expect(states).toEqual(['CANCELLED', 'STARTING']);
    const released = (await sessionRow(h, first.token)).state === 'CANCELLED' ? first : second;
    expect(await ledger(h, released.token)).toMatchObject({ captured: 0, cancelled: 20_000 });
  });

  it('a second driver sees "occupied" while the first one charges', async () => {
    h = await startHarness();
    await chargingSession('DEMO-1');
    const attempt = await h.runtime.charging.startCheckout({
      checkoutId: crypto.randomUUID(),
      chargerId: 'DEMO-1',
      connectorId: 1,
      amount: 20_000,
    });
    expect(attempt).toMatchObject({ ok: false, failure: 'occupied' });
    const page = await h.runtime.charging.chargerPage('DEMO-1', undefined);
    expect(page?.availability.kind).toBe('occupied');
  });

  it('stop pressed twice sends one RemoteStop and captures once', async () => {
    h = await startHarness();
    const s = await chargingSession('DEMO-1');
    h.clock.advance(30 * 60_000);
    await cp!.meter(5_000, 10_000);
    const [a, b] = await Promise.all([h.runtime.charging.requestStop(s.token), h.runtime.charging.requestStop(s.token)]);
    expect(a.ok && b.ok).toBe(true);
    await settleUntil(h, s.token, 'COMPLETED');
    expect(cp!.remoteStops).toHaveLength(1);
    expect(await appliedEvents(h, s.token, 'STOP_REQUESTED')).toBe(1);
    // 5 kWh × 4.90 = 24.50 NOK
    expect(await ledger(h, s.token)).toMatchObject({ captured: 2450, cancelled: 35_000 - 2450 });
  });

  it('a StopTransaction that arrives before the RemoteStop answer settles normally', async () => {
    h = await startHarness();
    const s = await chargingSession('DEMO-1', 35_000, { onRemoteStop: 'stop-before-answer' });
    h.clock.advance(120_000);
    await cp!.meter(1_000, 11_000);
    await h.runtime.charging.requestStop(s.token);
    const done = await settleUntil(h, s.token, 'COMPLETED');
    expect(done.stopReason).toBe('Remote');
    expect(await ledger(h, s.token)).toMatchObject({ captured: 490, cancelled: 35_000 - 490 });
  });
});

describe('budget guard', () => {
  it('stops a 22 kW charger before a 100 NOK reservation runs out and records the overrun', async () => {
    h = await startHarness();
    const s = await chargingSession('DEMO-1', 10_000, { onRemoteStop: 'accept-only' }); // 100 NOK = 20.408 kWh at 4.90
    let stoppedAtWh: number | undefined;
    // One reading a minute at 22 kW (366.67 Wh a minute) until the engine asks the charger to stop.
    for (let minute = 1; minute <= 70 && stoppedAtWh === undefined; minute++) {
      h.clock.advance(60_000);
      await cp!.meter(minute % 3 === 0 ? 368 : 366, 22_000);
      // Meter values are acknowledged before they are processed: wait until this one is.
      const register = cp!.registerWh;
      await waitFor(async () => (await sessionRow(h, s.token)).meterLastWh === register, 'reading processed');
      await h.settle();
      if ((await sessionRow(h, s.token)).state === 'STOPPING') stoppedAtWh = cp!.registerWh - 2_000_000;
    }
    expect(stoppedAtWh).toBeDefined();
    // Stopped with room for one more interval plus the stop latency, not after the money ran out.
    expect(stoppedAtWh!).toBeLessThan(20_408);
    expect(stoppedAtWh!).toBeGreaterThan(18_000);
    expect((await sessionRow(h, s.token)).stopRequestedBy).toBe('budget');
    expect(cp!.triggers).toContain('MeterValues');
    await waitFor(() => cp!.remoteStops.length > 0, 'RemoteStop');

    // This charger is slow to stop: it goes on at 22 kW for five more minutes (1.833 kWh).
    h.clock.advance(5 * 60_000);
    cp!.registerWh += 1_833;
    await cp!.stopTransaction('Remote');
    const done = await settleUntil(h, s.token, 'COMPLETED');
    const price = done.price as SessionPrice;
    expect(await ledger(h, s.token)).toMatchObject({ authorized: 10_000, captured: 10_000, cancelled: 0 });
    expect(price.total).toBe(10_000);
    const fullPrice = Math.round(((stoppedAtWh! + 1_833) * 490) / 1000);
    expect(done.overrunAmount).toBe(fullPrice - 10_000);
    expect(done.overrunAmount).toBeGreaterThan(0);
  });
});

describe('timers', () => {
  it('gives up when no car is connected within the start timeout and releases the whole reservation', async () => {
    h = await startHarness();
    cp = await scriptedChargePoint(h, 'DEMO-1', { onRemoteStart: 'accept-only' });
    const payment = await pay(h, 'DEMO-1', 20_000);
    await approveInApp(h, payment.landingToken);
    await settleUntil(h, payment.token, 'STARTING');
    await h.advance(179_000);
    expect((await sessionRow(h, payment.token)).state).toBe('STARTING');
    await h.advance(2_000);
    const failed = await sessionRow(h, payment.token);
    expect(failed.state).toBe('FAILED');
    expect(failed.failureReason).toMatch(/did not start in time/);
    expect(await ledger(h, payment.token)).toMatchObject({ captured: 0, cancelled: 20_000 });
    // The car arrives too late: the spent idTag no longer starts the charger.
    expect((await cp.startTransaction(cp.idTag!)).status).toBe('Invalid');
  });

  it('waits as long as the charger itself waits for the cable (its ConnectionTimeOut) plus a minute', async () => {
    h = await startHarness();
    // A charger configured to wait five minutes for the cable; nobody plugs in.
    const slow = await h.chargePoint('DEMO-2', { carPluggedIn: false, connectionTimeoutSeconds: 300 });
    await waitFor(async () => (await h.runtime.charging.chargerPage('DEMO-2', undefined))?.online, 'online');
    await waitFor(
      async () => (await getStoredConfiguration(h.runtime.database.db, 'DEMO-2', ['ConnectionTimeOut'])).get('ConnectionTimeOut') === '300',
      'configuration probed',
    );
    const payment = await pay(h, 'DEMO-2', 20_000);
    await approveInApp(h, payment.landingToken);
    await settleUntil(h, payment.token, 'STARTING');
    await h.advance(181_000);
    expect((await sessionRow(h, payment.token)).state).toBe('STARTING');
    await h.advance(180_000);
    expect((await sessionRow(h, payment.token)).state).toBe('FAILED');
    expect(await ledger(h, payment.token)).toMatchObject({ captured: 0, cancelled: 20_000 });
    await slow.close();
  });

  it('follows Vipps to EXPIRED when the driver never approves, and frees the connector', async () => {
    h = await startHarness();
    cp = await scriptedChargePoint(h, 'DEMO-1');
    const payment = await pay(h, 'DEMO-1', 20_000);
    await h.advance(9 * 60_000);
    expect((await sessionRow(h, payment.token)).state).toBe('PAYMENT_PENDING');
    await h.advance(61_000);
    await h.runtime.emulator!.ledger.expireDue();
    await h.advance(20_000);
    const expired = await sessionRow(h, payment.token);
    expect(expired.state).toBe('CANCELLED');
    expect(expired.paymentState).toBe('EXPIRED');
    expect((await h.runtime.charging.chargerPage('DEMO-1', undefined))?.availability.kind).toBe('available');
  });

  it('keeps a session whose charger went offline, retries the stop on reconnect and settles on the late StopTransaction', async () => {
    h = await startHarness();
    const s = await chargingSession('DEMO-1');
    h.clock.advance(30 * 60_000);
    await cp!.meter(4_000, 8_000);
    const registerBefore = cp!.registerWh;
    await cp!.close();
    await h.runtime.charging.requestStop(s.token);
    await h.advance(60_000);
    expect((await sessionRow(h, s.token)).state).toBe('STOPPING');

    // Back online after a while, with the transaction still running on the charger.
    cp = await scriptedChargePoint(h, 'DEMO-1', { registerWh: registerBefore });
    cp.transactionId = (await sessionRow(h, s.token)).transactionId!;
    cp.idTag = (await sessionRow(h, s.token)).idTag;
    await h.advance(1_000);
    await waitFor(() => cp!.remoteStops.length > 0, 'RemoteStop after reconnect');
    await settleUntil(h, s.token, 'COMPLETED');
    expect(await ledger(h, s.token)).toMatchObject({ captured: 1960, cancelled: 35_000 - 1960 });
  });

  it('settles on the last reading when no StopTransaction comes within 6 hours, and flags the session', async () => {
    h = await startHarness();
    const s = await chargingSession('DEMO-1');
    h.clock.advance(600_000);
    await cp!.meter(3_000, 11_000);
    await cp!.close();
    await h.runtime.charging.requestStop(s.token);
    await h.advance(5 * 3600_000);
    expect((await sessionRow(h, s.token)).state).toBe('STOPPING');
    await h.advance(3600_000 + 1_000);
    const flagged = await settleUntil(h, s.token, 'REVIEW_REQUIRED');
    expect(flagged.reviewReason).toMatch(/never confirmed the stop/);
    expect(flagged.stopReason).toBe('NoStopTransaction');
    // 3 kWh × 4.90 = 14.70 NOK
    expect(await ledger(h, s.token)).toMatchObject({ captured: 1470, cancelled: 35_000 - 1470 });
  });
});

describe('tariffs', () => {
  it('bills the price the driver saw when paying, even if the tariff changes while charging', async () => {
    h = await startHarness();
    const s = await chargingSession('DEMO-1');
    // The operator doubles the price while this session charges.
    await publishTariffVersion(h.runtime.database.db, 'demo-flat', { currency: 'NOK', vatRateBp: 2500, energyTiers: [{ fromWh: 0, pricePerKwh: 980 }] });
    expect((await h.runtime.charging.chargerPage('DEMO-1', undefined))?.tariff.energyTiers[0]?.pricePerKwh).toBe(980);
    h.clock.advance(30 * 60_000);
    await cp!.meter(5_000, 10_000);
    await h.runtime.charging.requestStop(s.token);
    const done = await settleUntil(h, s.token, 'COMPLETED');
    expect(await ledger(h, s.token)).toMatchObject({ captured: 2450 }); // 5 kWh × 4.90, not × 9.80
    // The session carries the version it was paid under, by content.
    expect(done.tariffHash).toBe(tariffHash(flatEnergyTariff('NOK', 490, 2500)));
  });
});

describe('charger faults', () => {
  it('stops a session when the charger reports a fault while charging', async () => {
    h = await startHarness();
    const s = await chargingSession('DEMO-1');
    h.clock.advance(20 * 60_000);
    await cp!.meter(3_000, 9_000);
    await cp!.client.call('StatusNotification', { connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure', timestamp: h.clock.now().toISOString() });
    await settleUntil(h, s.token, 'COMPLETED');
    expect((await sessionRow(h, s.token)).stopRequestedBy).toBe('charger');
    expect(cp!.remoteStops).toHaveLength(1);
    expect(await ledger(h, s.token)).toMatchObject({ captured: 1470, cancelled: 35_000 - 1470 });
  });

  it('settles a session whose charger started a new transaction without stopping it, and flags it', async () => {
    h = await startHarness();
    const s = await chargingSession('DEMO-1');
    h.clock.advance(20 * 60_000);
    await cp!.meter(2_000, 6_000);
    // The charger rebooted, lost the transaction, and now someone starts locally with a card.
    h.clock.advance(5 * 60_000);
    const local = await cp!.startTransaction('LOCALCARD01');
    expect(local.status).toBe('Invalid');
    const flagged = await settleUntil(h, s.token, 'REVIEW_REQUIRED');
    expect(flagged.reviewReason).toMatch(/new transaction/);
    // 2 kWh × 4.90 = 9.80 NOK, on the last reading the charger sent.
    expect(await ledger(h, s.token)).toMatchObject({ captured: 980, cancelled: 35_000 - 980 });
  });
});

describe('meters that cannot be right', () => {
  it('holds a session whose meterStop is below meterStart for review and captures nothing', async () => {
    h = await startHarness();
    const s = await chargingSession('DEMO-1');
    h.clock.advance(600_000);
    await cp!.meter(2_000, 11_000);
    await cp!.stopTransaction('Local', 1_000);
    const held = await settleUntil(h, s.token, 'REVIEW_REQUIRED');
    expect(held.reviewReason).toMatch(/below meterStart/);
    expect(await ledger(h, s.token)).toMatchObject({ authorized: 35_000, captured: 0, cancelled: 0 });

    // The operator reads the charger's log and settles on the 2 kWh its meter values showed.
    expect((await h.runtime.charging.resolveReview(s.sessionId, { energyWh: 2_000 })).applied).toBe(true);
    const settled = await settleUntil(h, s.token, 'COMPLETED');
    expect(settled.energyWh).toBe(2_000);
    expect(await ledger(h, s.token)).toMatchObject({ captured: 980, cancelled: 35_000 - 980 });
    expect((await h.runtime.charging.resolveReview(s.sessionId, 'waive')).applied).toBe(false);
  });
});

describe('abuse', () => {
  it('rate-limits payments started by one client', async () => {
    h = await startHarness({ runtime: { chargingSettings: { checkoutRateLimit: 3, checkoutRateWindowSeconds: 3600 } } });
    cp = await scriptedChargePoint(h, 'DEMO-1', { onRemoteStart: 'accept-only' });
    for (let i = 0; i < 3; i++) {
      await pay(h, 'DEMO-1', 10_000, 'client-a');
      h.clock.advance(91_000); // past the hold each unapproved payment puts on the connector
    }
    const fourth = await h.runtime.charging.startCheckout({
      checkoutId: crypto.randomUUID(),
      chargerId: 'DEMO-1',
      connectorId: 1,
      amount: 10_000,
      clientKey: 'client-a',
    });
    expect(fourth).toMatchObject({ ok: false, failure: 'rate-limited' });
    expect(fourth.ok ? '' : fourth.message).toMatch(/Try again in \d+ min/);
    await expect(pay(h, 'DEMO-1', 10_000, 'client-b')).resolves.toMatchObject({ redirectUrl: expect.stringContaining('token=') });
    // An hour after the first payment, client A may pay again.
    h.clock.advance(3600_000 - 3 * 91_000 + 1_000);
    await expect(pay(h, 'DEMO-1', 10_000, 'client-a')).resolves.toMatchObject({ redirectUrl: expect.stringContaining('token=') });
  });
});
