import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { RPCServer, createRPCError } from 'ocpp-rpc';
import type { Clock } from '@/lib/clock';
import type { Db } from '@/lib/db/client';
import { chargers, connectors, meterSamples, ocppTransactions } from '@/lib/db/schema';
import { errorMessage, type Logger } from '@/lib/logger';
import {
  ChargerCommandError,
  ChargerOfflineError,
  type ChargerControl,
  type ChargerEventSink,
  type IdTagStatus,
} from '../charger-control';
import { verifyChargerPassword } from '../passwords';
import { normalizeMeterValues, parseOcppTimestamp } from './meter-values';

/**
 * The OCPP 1.6J central system: chargers dial in over WebSocket to
 * /ocpp/{chargePointId} with HTTP Basic auth (security profile 1, or 2
 * behind a TLS proxy). It stores what chargers report, asks the engine
 * (through the sink) what to answer, and sends the engine's commands.
 *
 * Transaction messages are acknowledged whenever they could be stored: a
 * charger that gets no answer retries and stalls its queue, and the central
 * system cannot refuse a stop anyway.
 */

export const OCPP_PATH_PREFIX = '/ocpp/';
export const HEARTBEAT_INTERVAL_SECONDS = 300;

type RpcClient = {
  identity: string;
  protocol?: string;
  handle(method: string, handler: (args: { params: Record<string, unknown> }) => Promise<unknown>): void;
  handle(handler: (args: { method?: string; params?: Record<string, unknown> }) => Promise<unknown>): void;
  call(method: string, params?: unknown, options?: Record<string, unknown>): Promise<unknown>;
  close(options?: { code?: number; reason?: string; force?: boolean }): Promise<unknown>;
  once(event: 'close', listener: () => void): void;
};

export interface CentralSystemOptions {
  db: Db;
  clock: Clock;
  logger: Logger;
  sink: ChargerEventSink;
  /** Validate every message against the OCA schemas (tests); production stays tolerant. */
  strict?: boolean;
  callTimeoutMs?: number;
  pingIntervalMs?: number;
}

export interface CentralSystem {
  handleUpgrade(request: IncomingMessage, socket: Socket, head: Buffer): void;
  control: ChargerControl;
  connectedChargerIds(): string[];
  close(): Promise<void>;
}

export function createCentralSystem(options: CentralSystemOptions): CentralSystem {
  const { db, clock, logger, sink } = options;
  const server = new RPCServer({
    protocols: ['ocpp1.6'],
    strictMode: options.strict ? ['ocpp1.6'] : false,
    callTimeoutMs: options.callTimeoutMs ?? 30_000,
    pingIntervalMs: options.pingIntervalMs ?? 30_000,
    respondWithDetailedErrors: false,
  });
  const clients = new Map<string, RpcClient>();

  server.auth(async (accept, reject, handshake) => {
    const identity = handshake.identity;
    if (handshake.endpoint !== '/ocpp') return reject(404, 'Not found');
    if (!handshake.protocols.has('ocpp1.6')) return reject(400, 'Subprotocol ocpp1.6 is required');
    try {
      const [charger] = await db.select().from(chargers).where(eq(chargers.id, identity));
      // An unknown identity gets 404, as OCPP-J §3.2 recommends.
      if (!charger) return reject(404, 'Unknown charge point');
      if (!(await verifyChargerPassword(handshake.password, charger.passwordHash))) {
        logger.warn('charger presented a wrong password', { chargerId: identity, remoteAddress: handshake.remoteAddress });
        return reject(401, 'Unauthorized');
      }
      accept({ chargerId: charger.id }, 'ocpp1.6');
    } catch (error) {
      logger.error('charger authentication failed', { chargerId: identity, error: errorMessage(error) });
      reject(500, 'Internal error');
    }
  });

  server.on('client', (client: RpcClient) => {
    const chargerId = client.identity;
    const previous = clients.get(chargerId);
    // A charger that reconnects before its old socket died: the newest connection wins.
    clients.set(chargerId, client);
    if (previous) previous.close({ code: 1000, reason: 'Replaced by a newer connection' }).catch(() => {});
    registerHandlers(client, chargerId);
    markConnectivity(chargerId, true);
    logger.info('charger connected', { chargerId });
    client.once('close', () => {
      if (clients.get(chargerId) !== client) return;
      clients.delete(chargerId);
      markConnectivity(chargerId, false);
      logger.info('charger disconnected', { chargerId });
    });
  });

  function markConnectivity(chargerId: string, online: boolean) {
    (async () => {
      await db.update(chargers).set({ online, lastSeenAt: clock.now() }).where(eq(chargers.id, chargerId));
      await sink.connectivity({ chargerId, online });
    })().catch((error) => logger.error('could not record charger connectivity', { chargerId, error: errorMessage(error) }));
  }

  async function touch(chargerId: string) {
    await db.update(chargers).set({ lastSeenAt: clock.now(), online: true }).where(eq(chargers.id, chargerId));
  }

  async function openTransaction(chargerId: string, connectorId: number | undefined) {
    const [row] = await db
      .select()
      .from(ocppTransactions)
      .where(
        and(
          eq(ocppTransactions.chargerId, chargerId),
          connectorId ? eq(ocppTransactions.connectorId, connectorId) : undefined,
          isNull(ocppTransactions.stoppedAt),
        ),
      )
      .orderBy(desc(ocppTransactions.id))
      .limit(1);
    return row;
  }

  /** A transactionId the charger sends may be -1 or 0 when our StartTransaction answer never reached it. */
  async function resolveTransaction(chargerId: string, transactionId: unknown, connectorId?: number) {
    if (typeof transactionId === 'number' && transactionId > 0) {
      const [row] = await db
        .select()
        .from(ocppTransactions)
        .where(and(eq(ocppTransactions.id, transactionId), eq(ocppTransactions.chargerId, chargerId)));
      if (row) return row;
    }
    return openTransaction(chargerId, connectorId);
  }

  function registerHandlers(client: RpcClient, chargerId: string) {
    client.handle('BootNotification', async ({ params }) => {
      await db
        .update(chargers)
        .set({ bootInfo: params, online: true, lastSeenAt: clock.now() })
        .where(eq(chargers.id, chargerId));
      return { status: 'Accepted', currentTime: clock.now().toISOString(), interval: HEARTBEAT_INTERVAL_SECONDS };
    });

    client.handle('Heartbeat', async () => {
      await touch(chargerId);
      return { currentTime: clock.now().toISOString() };
    });

    client.handle('StatusNotification', async ({ params }) => {
      const connectorId = Number(params.connectorId);
      const status = String(params.status ?? 'Unavailable');
      const errorCode = String(params.errorCode ?? 'NoError');
      const at = parseOcppTimestamp(params.timestamp, clock.now());
      if (Number.isInteger(connectorId) && connectorId > 0) {
        await db
          .insert(connectors)
          .values({ chargerId, connectorId, status, errorCode, statusAt: at })
          .onConflictDoUpdate({
            target: [connectors.chargerId, connectors.connectorId],
            set: { status, errorCode, statusAt: at },
          });
        await sink.connectorStatus({ chargerId, connectorId, status, errorCode, at });
      }
      await touch(chargerId);
      return {};
    });

    client.handle('Authorize', async ({ params }) => {
      const idTag = String(params.idTag ?? '');
      const status = await sink.authorizeStart({ chargerId, connectorId: 0, idTag });
      return { idTagInfo: { status } };
    });

    client.handle('StartTransaction', async ({ params }) => {
      const connectorId = Number(params.connectorId);
      const idTag = String(params.idTag ?? '');
      const meterStartWh = Math.round(Number(params.meterStart));
      const startedAt = parseOcppTimestamp(params.timestamp, clock.now());
      if (!Number.isInteger(connectorId) || connectorId < 1 || !Number.isSafeInteger(meterStartWh)) {
        throw createRPCError('FormationViolation', 'connectorId and meterStart are required');
      }
      const dedupe = and(
        eq(ocppTransactions.chargerId, chargerId),
        eq(ocppTransactions.connectorId, connectorId),
        eq(ocppTransactions.idTag, idTag),
        eq(ocppTransactions.startedAt, startedAt),
        eq(ocppTransactions.meterStartWh, meterStartWh),
      );
      // A StartTransaction repeated after a reconnect gets the same transactionId and answer.
      let [row] = await db.select().from(ocppTransactions).where(dedupe);
      if (!row) {
        const status: IdTagStatus = await sink.authorizeStart({ chargerId, connectorId, idTag });
        [row] = await db
          .insert(ocppTransactions)
          .values({ chargerId, connectorId, idTag, meterStartWh, startedAt, idTagStatus: status })
          .onConflictDoNothing()
          .returning();
        row ??= (await db.select().from(ocppTransactions).where(dedupe))[0];
      }
      if (!row) throw createRPCError('InternalError', 'could not store the transaction');
      if (row.idTagStatus === 'Accepted') {
        await sink.transactionStarted({ chargerId, connectorId, idTag, transactionId: row.id, meterStartWh, startedAt });
      } else {
        logger.warn('refused a transaction with an unknown or spent idTag', { chargerId, connectorId, idTag });
      }
      return { transactionId: row.id, idTagInfo: { status: row.idTagStatus } };
    });

    client.handle('MeterValues', async ({ params }) => {
      const connectorId = Number(params.connectorId);
      const transaction = await resolveTransaction(chargerId, params.transactionId, connectorId > 0 ? connectorId : undefined);
      const readings = normalizeMeterValues(params.meterValue, clock.now());
      if (readings.length > 0) {
        await db.insert(meterSamples).values(
          readings.map((r) => ({
            chargerId,
            transactionId: transaction?.id ?? null,
            sampledAt: r.at,
            energyWh: r.energyWh ?? null,
            powerW: r.powerW ?? null,
            context: r.context ?? null,
          })),
        );
      }
      if (transaction && transaction.stoppedAt === null && readings.length > 0) {
        await sink.meterValues({ chargerId, connectorId: transaction.connectorId, transactionId: transaction.id, readings });
      }
      return {};
    });

    client.handle('StopTransaction', async ({ params }) => {
      const meterStopWh = Math.round(Number(params.meterStop));
      const stoppedAt = parseOcppTimestamp(params.timestamp, clock.now());
      const reason = typeof params.reason === 'string' ? params.reason : 'Local';
      const transaction = await resolveTransaction(chargerId, params.transactionId);
      if (!transaction || !Number.isSafeInteger(meterStopWh)) {
        // Unknown transaction or unusable data: acknowledge anyway, or the charger's queue stalls.
        logger.warn('StopTransaction for an unknown transaction', { chargerId, params });
        return { idTagInfo: { status: 'Accepted' } };
      }
      const transactionData = normalizeMeterValues(params.transactionData, clock.now());
      await db.transaction(async (tx) => {
        const stopped = await tx
          .update(ocppTransactions)
          .set({ meterStopWh, stoppedAt, stopReason: reason })
          .where(and(eq(ocppTransactions.id, transaction.id), isNull(ocppTransactions.stoppedAt)))
          .returning();
        if (transactionData.length > 0 && stopped.length > 0) {
          await tx.insert(meterSamples).values(
            transactionData.map((r) => ({
              chargerId,
              transactionId: transaction.id,
              sampledAt: r.at,
              energyWh: r.energyWh ?? null,
              powerW: r.powerW ?? null,
              context: r.context ?? 'Transaction.End',
            })),
          );
        }
        const final = stopped[0] ?? transaction;
        if (final.idTagStatus === 'Accepted') {
          await sink.transactionStopped(tx, {
            chargerId,
            transactionId: final.id,
            idTag: final.idTag,
            meterStartWh: final.meterStartWh,
            meterStopWh: final.meterStopWh ?? meterStopWh,
            stoppedAt: final.stoppedAt ?? stoppedAt,
            reason: final.stopReason ?? reason,
          });
        }
      });
      return { idTagInfo: { status: 'Accepted' } };
    });

    client.handle('DataTransfer', async () => ({ status: 'UnknownVendorId' }));
    client.handle('DiagnosticsStatusNotification', async () => ({}));
    client.handle('FirmwareStatusNotification', async () => ({}));
    client.handle(async ({ method }) => {
      throw createRPCError('NotImplemented', `${method} is not implemented`);
    });
  }

  async function call<T>(chargerId: string, method: string, params: unknown): Promise<T> {
    const client = clients.get(chargerId);
    if (!client) throw new ChargerOfflineError(chargerId);
    try {
      return (await client.call(method, params)) as T;
    } catch (error) {
      throw new ChargerCommandError(`${method} to ${chargerId} failed: ${errorMessage(error)}`);
    }
  }

  const control: ChargerControl = {
    isConnected: (chargerId) => clients.has(chargerId),
    async remoteStart({ chargerId, connectorId, idTag, maxPowerW }) {
      const params: Record<string, unknown> = { connectorId, idTag };
      if (maxPowerW) {
        params.chargingProfile = {
          chargingProfileId: 1,
          stackLevel: 0,
          chargingProfilePurpose: 'TxProfile',
          chargingProfileKind: 'Relative',
          chargingSchedule: { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: maxPowerW }] },
        };
      }
      const result = await call<{ status?: string }>(chargerId, 'RemoteStartTransaction', params);
      return result.status === 'Accepted' ? 'Accepted' : 'Rejected';
    },
    async remoteStop({ chargerId, transactionId }) {
      const result = await call<{ status?: string }>(chargerId, 'RemoteStopTransaction', { transactionId });
      return result.status === 'Accepted' ? 'Accepted' : 'Rejected';
    },
    async requestMeterValues({ chargerId, connectorId }) {
      const result = await call<{ status?: string }>(chargerId, 'TriggerMessage', { requestedMessage: 'MeterValues', connectorId });
      return result.status === 'Accepted' ? 'Accepted' : result.status === 'NotImplemented' ? 'NotImplemented' : 'Rejected';
    },
  };

  return {
    handleUpgrade: (request, socket, head) => {
      void server.handleUpgrade(request, socket, head);
    },
    control,
    connectedChargerIds: () => [...clients.keys()],
    async close() {
      await server.close({ code: 1001, reason: 'Server shutting down', force: true });
      clients.clear();
    },
  };
}

/** Marks every charger offline: used at start-up of a single-instance deployment. */
export async function markAllChargersOffline(db: Db): Promise<void> {
  await db.update(chargers).set({ online: false }).where(sql`true`);
}
