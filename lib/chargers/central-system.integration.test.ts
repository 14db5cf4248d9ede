import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { RPCClient } from 'ocpp-rpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSessionByToken } from '@/lib/charging/queries';
import { chargers, meterSamples, ocppTransactions } from '@/lib/db/schema';
import { silentLogger } from '@/lib/logger';
import { startHarness, type Harness } from '@/lib/testing/harness';
import { waitFor } from '@/lib/testing/wait';
import { ChargerOfflineError, type ChargerEventSink } from './charger-control';
import { createCentralSystem, type CentralSystem } from './ocpp/central-system';
import { ocppConfiguration, ocppConnections, ocppInboundMessages } from './ocpp/schema';
import { rotateChargerPassword } from './rotate-charger-password';
import { SimulatedChargePoint } from './simulator/charge-point';
import { addCharger, chargeOver, chargerRow, connectCharger, connectorStatus, deliverOver, startCharging, stoppedTransaction } from './testing/session-helpers';
import { ledger, pay, settleUntil, view, waitUntilOnline } from '@/lib/testing/session-driver';

/**
 * The central system itself: who may connect, what it sets on a charger,
 * the operator's commands, what it tolerates from real chargers, and
 * several app instances on one database.
 */

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const db = () => h.runtime.database.db;

function rawClient(id: string, options: { url?: string; password?: string; strict?: boolean } = {}) {
  return new RPCClient({
    endpoint: options.url ?? h.ocppUrl,
    identity: id,
    password: options.password ?? 'demo-secret',
    protocols: ['ocpp1.6'],
    strictMode: options.strict ?? true,
    reconnect: false,
  } as never);
}

async function configurationOf(chargerId: string) {
  const rows = await db().select().from(ocppConfiguration).where(eq(ocppConfiguration.chargerId, chargerId));
  return Object.fromEntries(rows.map((r) => [r.key, r]));
}

/** The probe's last change is AllowOfflineTxForUnknownId (when the charger has it): wait for that too. */
async function probed(chargerId: string) {
  await waitFor(async () => {
    const config = await configurationOf(chargerId);
    const offline = config.AllowOfflineTxForUnknownId;
    return config.StopTransactionOnInvalidId?.changeStatus === 'Accepted' && (!offline || offline.changeStatus != null);
  }, 'probe done');
}

describe('who may connect', () => {
  it('a wrong password is refused (401); the charger stays offline and drivers are told before paying', async () => {
    const id = await addCharger(h);
    const cp = new SimulatedChargePoint({ url: h.ocppUrl, id, password: 'not-the-password', strict: true });
    await expect(cp.connect()).rejects.toMatchObject({ code: 401 });
    await cp.close();
    expect((await chargerRow(h, id)).online).toBe(false);
    const checkout = await h.runtime.charging.startCheckout({ checkoutId: randomUUID(), chargerId: id, connectorId: 1, amount: 20_000 });
    expect(checkout).toMatchObject({ ok: false, failure: 'charger-offline' });
  });

  it('an unknown charger is refused (404) and nothing is created for it', async () => {
    const cp = new SimulatedChargePoint({ url: h.ocppUrl, id: 'NO-SUCH-CHARGER', password: 'demo-secret', strict: true });
    await expect(cp.connect()).rejects.toMatchObject({ code: 404 });
    await cp.close();
    expect(await db().select().from(chargers).where(eq(chargers.id, 'NO-SUCH-CHARGER'))).toHaveLength(0);
    const checkout = await h.runtime.charging.startCheckout({ checkoutId: randomUUID(), chargerId: 'NO-SUCH-CHARGER', connectorId: 1, amount: 20_000 });
    expect(checkout).toMatchObject({ ok: false, failure: 'unknown-charger' });
  });

  it('rotateChargerPassword: the new password works, the old one no longer does', async () => {
    const id = await addCharger(h);
    const password = await rotateChargerPassword(db(), id);
    expect(password).toMatch(/^[0-9a-f]{40}$/);
    expect((await chargerRow(h, id)).passwordHash).not.toContain(password);

    const old = new SimulatedChargePoint({ url: h.ocppUrl, id, password: 'demo-secret' });
    await expect(old.connect()).rejects.toMatchObject({ code: 401 });
    await old.close();
    const fresh = new SimulatedChargePoint({ url: h.ocppUrl, id, password });
    await fresh.connect();
    await waitUntilOnline(h, id);
    await fresh.close();
  });

  it('rotateChargerPassword with delivery: the charger accepts the AuthorizationKey and reconnects with it', async () => {
    const id = await addCharger(h);
    const cp = await connectCharger(h, id);
    const [before] = await db().select().from(ocppConnections).where(eq(ocppConnections.chargerId, id));
    h.clock.advance(1000); // so the new connection's time differs

    const password = await rotateChargerPassword(db(), id, { deliverTo: h.runtime.centralSystem.admin });
    await waitFor(async () => {
      const [now] = await db().select().from(ocppConnections).where(eq(ocppConnections.chargerId, id));
      return now && now.connectedAt > before!.connectedAt && cp.online;
    }, 'reconnected with the new key');
    await waitUntilOnline(h, id);

    const old = rawClient(id);
    await expect(old.connect()).rejects.toMatchObject({ code: 401 });
    expect(password).toHaveLength(40);
  });
});

describe('the configuration probe after BootNotification', () => {
  it('sets the sample interval and measurands and keeps what the charger accepted', async () => {
    const id = await addCharger(h);
    const cp = await connectCharger(h, id, { supportedMeasurands: ['Energy.Active.Import.Register', 'SoC'] });
    await probed(id);
    const config = await configurationOf(id);
    expect(config.MeterValueSampleInterval).toMatchObject({ value: '15', changeStatus: 'Accepted' });
    // Power is refused by this meter: the energy register alone is what it accepted and what we keep.
    expect(config.MeterValuesSampledData).toMatchObject({ value: 'Energy.Active.Import.Register', changeStatus: 'Accepted' });
    expect(config.StopTransactionOnInvalidId).toMatchObject({ value: 'true', changeStatus: 'Accepted' });
    expect(config.AllowOfflineTxForUnknownId).toMatchObject({ value: 'false' });
    expect(config.AuthorizeRemoteTxRequests).toMatchObject({ readonly: true });
    expect(cp.configuration.get('MeterValueSampleInterval')).toBe('15');
  });

  it('leaves a charger that already samples often enough as it is', async () => {
    const id = await addCharger(h);
    await connectCharger(h, id, { meterIntervalSeconds: 5 });
    await probed(id);
    expect((await configurationOf(id)).MeterValueSampleInterval).toMatchObject({ value: '5', changeStatus: null });
  });
});

describe('local starts and operator commands', () => {
  it('a card nobody paid for is answered Invalid, with or without Authorize first, and never charges', async () => {
    const id = await addCharger(h);
    const cp = await connectCharger(h, id);
    await probed(id);
    expect(await cp.startLocally('RFID-0042')).toBe('Invalid');
    expect(await db().select().from(ocppTransactions).where(eq(ocppTransactions.chargerId, id))).toHaveLength(0);

    expect(await cp.startLocally('RFID-0042', { authorize: false })).toBe('Started');
    const transaction = await stoppedTransaction(h, id);
    expect(transaction).toMatchObject({ idTagStatus: 'Invalid', stopReason: 'DeAuthorized', sessionId: null });
  });

  it('a power cap (TxProfile) limits a running session, and the driver pays for what the capped charger delivered', async () => {
    const id = await addCharger(h);
    const cp = await connectCharger(h, id);
    const token = await startCharging(h, cp, id);
    const session = (await getSessionByToken(db(), token))!;

    const control = h.runtime.centralSystem.control;
    expect(await control.setPowerLimit!({ chargerId: id, connectorId: 1, transactionId: session.transactionId!, maxPowerW: 3700 })).toBe('Accepted');
    await chargeOver(h, cp, 3600);
    await waitFor(async () => (await view(h, token)).energyWh === 3700, 'capped energy');
    await h.runtime.charging.requestStop(token);
    await settleUntil(h, token, 'COMPLETED');
    expect((await ledger(h, token)).captured).toBe(1813); // 3.7 kWh × 4.90
  });

  it('a remote start can carry a power cap; the charger validates and accepts the profile', async () => {
    const id = await addCharger(h);
    await connectCharger(h, id);
    const answer = await h.runtime.centralSystem.control.remoteStart({ chargerId: id, connectorId: 1, idTag: 'NOT-A-SESSION', maxPowerW: 7400 });
    expect(answer).toBe('Accepted');
    // The idTag belongs to no paid session: the StartTransaction that follows is refused.
    await waitFor(async () => (await db().select().from(ocppTransactions).where(eq(ocppTransactions.chargerId, id)))[0]?.idTagStatus === 'Invalid', 'refused');
  });

  it('ChangeAvailability, TriggerMessage, ClearChargingProfile and Reset reach the charger', async () => {
    const id = await addCharger(h);
    const cp = await connectCharger(h, id);
    const admin = h.runtime.centralSystem.admin;

    expect(await admin.changeAvailability({ chargerId: id, connectorId: 0, type: 'Inoperative' })).toBe('Accepted');
    await waitFor(async () => (await connectorStatus(h, id)) === 'Unavailable', 'Unavailable');
    const checkout = await h.runtime.charging.startCheckout({ checkoutId: randomUUID(), chargerId: id, connectorId: 1, amount: 20_000 });
    expect(checkout).toMatchObject({ ok: false, failure: 'charger-unavailable' });
    expect(await admin.changeAvailability({ chargerId: id, connectorId: 0, type: 'Operative' })).toBe('Accepted');
    await waitFor(async () => (await connectorStatus(h, id)) === 'Preparing', 'operative again');

    expect(await admin.triggerMessage({ chargerId: id, requestedMessage: 'StatusNotification', connectorId: 1 })).toBe('Accepted');
    expect(await admin.clearChargingProfile({ chargerId: id })).toBe('Accepted');

    await db().update(chargers).set({ bootInfo: null }).where(eq(chargers.id, id));
    expect(await admin.reset({ chargerId: id, type: 'Soft' })).toBe('Accepted');
    await waitFor(async () => (await chargerRow(h, id)).bootInfo !== null, 'booted again after the reset');
    await waitFor(() => cp.online, 'back online');
  });

  it('commands for an offline charger fail fast with ChargerOfflineError', async () => {
    const id = await addCharger(h);
    await expect(h.runtime.centralSystem.admin.reset({ chargerId: id, type: 'Soft' })).rejects.toBeInstanceOf(ChargerOfflineError);
  });
});

describe('messages real chargers send', () => {
  it('messages for a finished transaction are acknowledged and change nothing that was billed', async () => {
    const id = await addCharger(h);
    const cp = await connectCharger(h, id);
    const token = await startCharging(h, cp, id);
    await deliverOver(h, cp, 2000, 900);
    await cp.stopLocally();
    await settleUntil(h, token, 'COMPLETED');
    const session = (await getSessionByToken(db(), token))!;
    await cp.close();

    // The charger's queue replays old messages after a reconnect.
    const late = rawClient(id);
    await late.connect();
    const timestamp = h.clock.now().toISOString();
    const register = String(session.meterStopWh! + 5000);
    await late.call('MeterValues', {
      connectorId: 1,
      transactionId: session.transactionId,
      meterValue: [{ timestamp, sampledValue: [{ value: register, measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }],
    });
    expect(await late.call('StopTransaction', { transactionId: session.transactionId, meterStop: session.meterStopWh! + 5000, timestamp })).toEqual({
      idTagInfo: { status: 'Accepted' },
    });
    await late.close();

    await waitFor(async () => {
      const messages = await db().select().from(ocppInboundMessages).where(eq(ocppInboundMessages.chargerId, id));
      return messages.length === 2 && messages.every((m) => m.processedAt !== null);
    }, 'late stop processed');
    const stops = await db().select().from(ocppInboundMessages).where(eq(ocppInboundMessages.chargerId, id));
    expect(stops.map((m) => m.outcome)).toEqual([`stopped transaction ${session.transactionId}`, `transaction ${session.transactionId} had already stopped`]);
    await h.settle();
    expect(await view(h, token)).toMatchObject({ energyWh: 2000, capturedAmount: 980 });
    expect((await ledger(h, token)).captured).toBe(980);
  });

  it('strict in tests: a malformed message is refused by schema validation', async () => {
    const id = await addCharger(h);
    const client = rawClient(id, { strict: false });
    await client.connect();
    await expect(
      client.call('StatusNotification', { connectorId: 1, status: 'Faulted', errorCode: 'Error' }),
    ).rejects.toMatchObject({ rpcErrorCode: expect.stringMatching(/Violation/) });
    await client.close();
  });
});

describe('several app instances on one database', () => {
  let second: { instance: CentralSystem; url: string; server: Server };
  let failNextStop = false;

  beforeAll(async () => {
    const engine = h.runtime.charging.chargerEvents;
    const sink: ChargerEventSink = {
      ...engine,
      async transactionStopped(tx, event) {
        if (failNextStop) {
          failNextStop = false;
          throw new Error('the engine is down');
        }
        await engine.transactionStopped(tx, event);
      },
    };
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const instance = createCentralSystem({
      db: db(),
      database: h.runtime.database,
      clock: h.clock,
      logger: silentLogger,
      sink,
      exclusive: false,
      // Production settings: tolerant of what real chargers send.
      strict: false,
      maintenanceIntervalMs: 600_000,
      relayPollIntervalMs: 100,
    });
    await instance.ready;
    server.on('upgrade', (req, socket, head) => instance.handleUpgrade(req, socket as never, head));
    second = { instance, server, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ocpp` };
  });
  afterAll(async () => {
    await second?.instance.close();
    second?.server.closeAllConnections();
    await new Promise<void>((resolve) => second?.server.close(() => resolve()));
  });

  it('a session on a charger connected to another instance: commands go through the database, money is right', async () => {
    const id = await addCharger(h);
    const cp = new SimulatedChargePoint({ url: second.url, id, password: 'demo-secret', meterIntervalSeconds: 0, strict: true, clock: h.clock });
    await cp.connect();
    await waitUntilOnline(h, id);
    expect(second.instance.connectedChargerIds()).toContain(id);
    expect(h.runtime.centralSystem.connectedChargerIds()).not.toContain(id);
    expect(await h.runtime.centralSystem.control.isOnline!(id)).toBe(true);
    await h.runtime.centralSystem.maintain();
    expect(h.runtime.centralSystem.control.isConnected(id)).toBe(true);

    // The engine runs on the harness's instance; the charger's socket is on the second one.
    const token = await startCharging(h, cp, id);
    await deliverOver(h, cp, 6000, 1800);
    await second.instance.maintain(); // its timer renews the lease every 15 s; half an hour passed on the fake clock
    await h.runtime.charging.requestStop(token);
    await settleUntil(h, token, 'COMPLETED');
    expect(await ledger(h, token)).toMatchObject({ captured: 2940, cancelled: 32_060 }); // 6 kWh × 4.90

    const config = await h.runtime.centralSystem.admin.getConfiguration({ chargerId: id, keys: ['ConnectionTimeOut', 'NoSuchKey'] });
    expect(config).toEqual({ configurationKey: [{ key: 'ConnectionTimeOut', readonly: false, value: '120' }], unknownKey: ['NoSuchKey'] });
    await cp.close();
  });

  it('an acknowledged StopTransaction whose processing fails is kept and retried, so the session still settles', async () => {
    const id = await addCharger(h);
    const cp = new SimulatedChargePoint({ url: second.url, id, password: 'demo-secret', meterIntervalSeconds: 0, strict: true, clock: h.clock });
    await cp.connect();
    await waitUntilOnline(h, id);
    const token = await startCharging(h, cp, id);
    await deliverOver(h, cp, 1000, 600);

    failNextStop = true;
    await cp.stopLocally();
    expect(cp.queuedMessages).toBe(0); // acknowledged: the charger's queue moves on
    await waitFor(async () => {
      const [stored] = await db().select().from(ocppInboundMessages).where(eq(ocppInboundMessages.chargerId, id));
      return stored?.lastError === 'the engine is down';
    }, 'failed processing recorded');
    expect((await view(h, token)).state).toBe('CHARGING');

    h.clock.advance(60_000);
    await second.instance.maintain();
    await settleUntil(h, token, 'COMPLETED');
    expect((await ledger(h, token)).captured).toBe(490); // 1 kWh × 4.90
    await cp.close();
  });

  it('a crashed instance’s chargers read offline once its lease runs out, and come back when it renews', async () => {
    const id = await addCharger(h);
    const cp = new SimulatedChargePoint({ url: second.url, id, password: 'demo-secret', meterIntervalSeconds: 0, strict: true });
    await cp.connect();
    await waitUntilOnline(h, id);

    h.clock.advance(46_000); // the second instance has not renewed its 45 s lease
    await h.runtime.centralSystem.maintain();
    expect((await chargerRow(h, id)).online).toBe(false);
    await expect(h.runtime.centralSystem.control.requestMeterValues({ chargerId: id, connectorId: 1 })).rejects.toBeInstanceOf(
      ChargerOfflineError,
    );
    const checkout = await h.runtime.charging.startCheckout({ checkoutId: randomUUID(), chargerId: id, connectorId: 1, amount: 20_000 });
    expect(checkout).toMatchObject({ ok: false, failure: 'charger-offline' });

    // It was only stalled: its next renewal claims the live socket again.
    await second.instance.maintain();
    expect((await chargerRow(h, id)).online).toBe(true);
    await cp.close();
    await waitUntilOnline(h, id, false);
  });

  it('an online flag nobody holds (left by a crash before this version) is cleared', async () => {
    const id = await addCharger(h);
    await db().update(chargers).set({ online: true }).where(eq(chargers.id, id));
    await h.runtime.centralSystem.maintain();
    expect((await chargerRow(h, id)).online).toBe(false);
  });

  it('tolerant in production: malformed messages from real chargers are acknowledged and understood', async () => {
    const id = await addCharger(h);
    const client = rawClient(id, { url: second.url, strict: false });
    await client.connect();
    await client.call('BootNotification', { chargePointVendor: 'A vendor name longer than twenty', chargePointModel: 'X' });
    // Legrand-style error code, "+02" offset without minutes.
    await client.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'Error', timestamp: '2026-11-23T16:02:00+02' });
    await waitFor(async () => (await connectorStatus(h, id)) === 'Charging', 'status stored');

    // An idTag longer than 20 characters and meterStart as a string.
    const start = (await client.call('StartTransaction', {
      connectorId: '1',
      idTag: 'A-VERY-LONG-RFID-TAG-1234567',
      meterStart: '1000000.0',
      timestamp: '2026-11-23T14:02:00Z',
    })) as { transactionId: number; idTagInfo: { status: string } };
    expect(start.idTagInfo.status).toBe('Invalid');
    expect(Number.isInteger(start.transactionId)).toBe(true);

    // Huawei-style: meterValue as one object instead of an array, kWh as a string.
    expect(
      await client.call('MeterValues', {
        connectorId: 1,
        transactionId: start.transactionId,
        meterValue: { timestamp: '2026-11-23T14:32:00Z', sampledValue: { value: '1001.5', unit: 'kWh' } },
      }),
    ).toEqual({});
    await waitFor(async () => {
      const samples = await db().select().from(meterSamples).where(eq(meterSamples.transactionId, start.transactionId));
      return samples[0]?.energyWh === 1_001_500;
    }, 'kWh sample stored in Wh');

    // transactionId as a string, no reason: read as Local.
    await client.call('StopTransaction', { transactionId: String(start.transactionId), meterStop: '1001500', timestamp: '2026-11-23T15:02:00Z' });
    await waitFor(async () => {
      const [tx] = await db().select().from(ocppTransactions).where(eq(ocppTransactions.id, start.transactionId));
      return tx?.stopReason === 'Local' && tx.meterStopWh === 1_001_500;
    }, 'stop processed');
    await expect(client.call('FirmwareUpdateWish', {})).rejects.toMatchObject({ rpcErrorCode: 'NotImplemented' });
    await client.close();
  });

  it('unknown charger ids and wrong passwords are refused on every instance', async () => {
    const id = await addCharger(h);
    await expect(rawClient(id, { url: second.url, password: 'wrong' }).connect()).rejects.toMatchObject({ code: 401 });
    await expect(rawClient('NOBODY', { url: second.url }).connect()).rejects.toMatchObject({ code: 404 });
    await expect(pay(h, id, 20_000)).rejects.toThrow(/offline/);
  });
});
