import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSessionByToken } from '@/lib/charging/queries';
import { chargers, connectors, ocppTransactions } from '@/lib/db/schema';
import { startHarness, type Harness } from '@/lib/testing/harness';
import { waitFor } from '@/lib/testing/wait';
import { ChargerCommandError } from './charger-control';
import { addCharger, chargerRow, connectCharger, connectorStatus, deliverOver, startCharging } from './testing/session-helpers';
import { ledger, payAndApprove, settleUntil, view, waitUntilOnline } from '@/lib/testing/session-driver';

/**
 * Chargers on bad networks: sockets that die without a close frame,
 * answers that never arrive, messages queued offline and delivered late.
 * The server pings every 300 ms here, so a dead socket is noticed within
 * about 0.6 s; a command gets 500 ms to be answered.
 */

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ runtime: { ocpp: { pingIntervalMs: 300, callTimeoutMs: 500 } } });
});
afterAll(async () => {
  await h?.close();
});

const transactionsOf = (chargerId: string) =>
  h.runtime.database.db.select().from(ocppTransactions).where(eq(ocppTransactions.chargerId, chargerId));

describe('a charger that loses its connection', () => {
  it('a socket that dies without a close frame reads offline (ping liveness), and the driver is told before paying', async () => {
    const id = await addCharger(h);
    const cp = await connectCharger(h, id);

    cp.goOffline();
    await waitUntilOnline(h, id, false);
    expect(h.runtime.centralSystem.control.isConnected(id)).toBe(false);
    const page = await h.runtime.charging.chargerPage(id, undefined);
    expect(page).toMatchObject({ online: false, availability: { kind: 'offline' } });
    const checkout = await h.runtime.charging.startCheckout({ checkoutId: randomUUID(), chargerId: id, connectorId: 1, amount: 20_000 });
    expect(checkout).toMatchObject({ ok: false, failure: 'charger-offline' });

    await cp.goOnline();
    await waitUntilOnline(h, id);
  });

  it('socket drop mid-session: charging goes on offline, the queued StopTransaction arrives late and is billed on the charger’s times', async () => {
    const id = await addCharger(h);
    const cp = await connectCharger(h, id);
    const token = await startCharging(h, cp, id);
    await deliverOver(h, cp, 3000, 1200);
    await waitFor(async () => (await view(h, token)).energyWh === 3000, 'energy before the drop');

    cp.goOffline();
    await waitUntilOnline(h, id, false);
    await deliverOver(h, cp, 2000, 900); // queued
    const unpluggedAt = h.clock.now();
    await cp.unplug(); // StopTransaction queued
    expect(cp.queuedMessages).toBeGreaterThanOrEqual(2); // MeterValues, StopTransaction (and a triggered reading, if the engine asked)

    await h.advance(30 * 60_000); // half an hour later the charger is still unreachable
    expect(await view(h, token)).toMatchObject({ state: 'CHARGING', energyWh: 3000 });

    await cp.goOnline();
    expect(cp.queuedMessages).toBe(0);
    await settleUntil(h, token, 'COMPLETED');
    const session = (await getSessionByToken(h.runtime.database.db, token))!;
    expect(session.stoppedAt).toEqual(unpluggedAt);
    expect(session.stopReason).toBe('EVDisconnected');
    expect(await ledger(h, token)).toMatchObject({ captured: 2450, cancelled: 32_550 }); // 5 kWh × 4.90
  });

  it('duplicate StartTransaction: the answer was lost, the charger sends it again and gets the same transaction, billed once', async () => {
    const id = await addCharger(h);
    const cp = await connectCharger(h, id);
    cp.dropConnectionAfterSending('StartTransaction');
    const { token } = await payAndApprove(h, id);
    await cp.settled();
    await settleUntil(h, token, 'CHARGING'); // the central system got it
    expect(cp.activeTransactionId).toBeUndefined(); // …but the charger never heard back

    await cp.goOnline(); // resends the same StartTransaction (new message id)
    const session = (await getSessionByToken(h.runtime.database.db, token))!;
    expect(cp.activeTransactionId).toBe(session.transactionId);
    expect(await transactionsOf(id)).toHaveLength(1);

    await deliverOver(h, cp, 1000, 600);
    await cp.stopLocally();
    await settleUntil(h, token, 'COMPLETED');
    expect(await ledger(h, token)).toMatchObject({ captured: 490, cancelled: 34_510 }); // 1 kWh × 4.90
  });

  it('transactionId -1: a charger that gave up on the StartTransaction answer meters and stops with -1, and is billed right', async () => {
    const id = await addCharger(h);
    const cp = await connectCharger(h, id, { lostStartAnswer: 'minus-one' });
    cp.dropConnectionAfterSending('StartTransaction');
    const { token } = await payAndApprove(h, id);
    await cp.settled();
    await settleUntil(h, token, 'CHARGING');

    await cp.goOnline();
    expect(cp.activeTransactionId).toBe(-1);
    await deliverOver(h, cp, 2000, 900);
    await waitFor(async () => (await view(h, token)).energyWh === 2000, 'energy reported with transactionId -1');
    await cp.stopLocally();
    await settleUntil(h, token, 'COMPLETED');

    expect(await transactionsOf(id)).toHaveLength(1);
    expect(await ledger(h, token)).toMatchObject({ captured: 980, cancelled: 34_020 }); // 2 kWh × 4.90
  });

  it('reconnect without BootNotification: the charger is online again and takes commands for a new session', async () => {
    const id = await addCharger(h);
    const cp = await connectCharger(h, id);
    await h.runtime.database.db.update(chargers).set({ bootInfo: null }).where(eq(chargers.id, id));
    await h.runtime.database.db.update(connectors).set({ status: 'Unavailable' }).where(eq(connectors.chargerId, id));

    cp.goOffline();
    await waitUntilOnline(h, id, false);
    await cp.goOnline();
    await waitUntilOnline(h, id);
    expect((await chargerRow(h, id)).bootInfo).toBeNull(); // it did not boot again
    await waitFor(async () => (await connectorStatus(h, id)) === 'Preparing', 'status announced after the reconnect');

    const token = await startCharging(h, cp, id);
    await deliverOver(h, cp, 1500, 600);
    await h.runtime.charging.requestStop(token);
    await settleUntil(h, token, 'COMPLETED');
    expect((await ledger(h, token)).captured).toBe(735); // 1.5 kWh × 4.90
  });

  it('CALL timeout: a charger that never answers RemoteStartTransaction fails the session and releases the money', async () => {
    const id = await addCharger(h);
    await connectCharger(h, id, { remoteStart: 'ignore' });

    const started = Date.now();
    await expect(
      h.runtime.centralSystem.control.remoteStart({ chargerId: id, connectorId: 1, idTag: 'NOBODY' }),
    ).rejects.toBeInstanceOf(ChargerCommandError);
    expect(Date.now() - started).toBeLessThan(3000);

    const { token } = await payAndApprove(h, id);
    expect((await view(h, token)).state).toBe('AUTHORIZED');
    await h.advance(h.runtime.config.timers.startTimeoutSeconds * 1000 + 1000);
    await settleUntil(h, token, 'FAILED');
    await waitFor(async () => (await ledger(h, token)).cancelled === 35_000, 'reservation released');
    expect((await ledger(h, token)).captured).toBe(0);
  });
});
