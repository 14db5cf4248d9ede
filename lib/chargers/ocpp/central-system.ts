import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { lt } from 'drizzle-orm';
import { RPCServer } from 'ocpp-rpc';
import type { Clock } from '@/lib/clock';
import type { Database, Db } from '@/lib/db/client';
import { errorMessage, type Logger } from '@/lib/logger';
import {
  ChargerCommandError,
  ChargerOfflineError,
  type ChargerAdmin,
  type ChargerControl,
  type ChargerEventSink,
} from '../charger-control';
import { authenticateCharger } from './authenticate-charger';
import { createCommandRelay, pruneCommands, type CommandRelay } from './command-relay';
import { createChargerAdmin, createChargerControl, type SendCommand } from './commands';
import { getStoredConfiguration } from './configuration-probe';
import { createConnectionRegistry } from './connection-registry';
import { retryUnprocessedStops } from './handle-stop-transaction';
import type { InboundDeps } from './inbound-deps';
import { createProbeScheduler } from './probe-scheduler';
import { registerChargePointHandlers, type HandlerHost } from './register-handlers';
import { ocppInboundMessages } from './schema';
import { createSerialLanes } from './serial-lanes';
import { resolveTuning, type CentralSystemTuning } from './tuning';

export { HEARTBEAT_INTERVAL_SECONDS } from './handle-core-messages';
export { DEFAULT_CENTRAL_SYSTEM_TUNING, type CentralSystemTuning } from './tuning';

/**
 * The OCPP 1.6J central system: chargers dial in over WebSocket to
 * /ocpp/{chargePointId} with HTTP Basic auth (security profile 1, or 2
 * behind a TLS proxy). It stores what chargers report, asks the engine
 * (through the sink) what to answer, and sends the engine's and the
 * operator's commands, to a socket on this instance or, through the
 * database, on another.
 *
 * Liveness: the server pings every socket; a socket that dies without a
 * close frame misses a pong and is closed within two ping intervals. An
 * instance that dies stops renewing its lease, and any other instance
 * takes its chargers offline.
 */

export const OCPP_PATH_PREFIX = '/ocpp/';
/** Inline processing of a stored StopTransaction gets this head start before maintenance retries it. */
const STOP_RETRY_AFTER_SECONDS = 30;

type RpcClient = HandlerHost & {
  identity: string;
  handshake: { remoteAddress?: string };
  call(method: string, params?: unknown, options?: Record<string, unknown>): Promise<unknown>;
  close(options?: { code?: number; reason?: string; force?: boolean }): Promise<unknown>;
  once(event: 'close', listener: () => void): void;
  on(event: string, listener: (event: Record<string, unknown>) => void): void;
};

export interface CentralSystemOptions extends Partial<CentralSystemTuning> {
  db: Db;
  /** LISTEN/NOTIFY for commands between instances; without it, commands only reach sockets of this process. */
  database?: Pick<Database, 'listen' | 'engine'>;
  clock: Clock;
  logger: Logger;
  sink: ChargerEventSink;
  /** Nobody else uses this database (PGlite): stale connection rows are cleared at start. Default: true for PGlite. */
  exclusive?: boolean;
  instanceId?: string;
}

export interface CentralSystem {
  readonly instanceId: string;
  /** Resolves once this instance is registered; upgrades wait for it. */
  ready: Promise<void>;
  handleUpgrade(request: IncomingMessage, socket: Socket, head: Buffer): void;
  control: ChargerControl;
  admin: ChargerAdmin;
  connectedChargerIds(): string[];
  /** One round of lease renewal, sweep, command polling and stop retries (runs on a timer; tests call it). */
  maintain(): Promise<void>;
  close(): Promise<void>;
}

export function createCentralSystem(options: CentralSystemOptions): CentralSystem {
  const { db, clock, logger, sink } = options;
  const tuning = resolveTuning(options);
  const instanceId = options.instanceId ?? randomUUID();
  const server = new RPCServer({
    protocols: ['ocpp1.6'],
    strictMode: tuning.strict ? ['ocpp1.6'] : false,
    callTimeoutMs: tuning.callTimeoutMs,
    pingIntervalMs: tuning.pingIntervalMs,
    respondWithDetailedErrors: false,
  });
  const clients = new Map<string, RpcClient>();
  const lanes = createSerialLanes();
  const registry = createConnectionRegistry({ db, clock, instanceId, leaseSeconds: tuning.leaseSeconds });
  const inbound: InboundDeps = { db, clock, logger, sink, lanes };
  const probes = createProbeScheduler({
    db,
    clock,
    logger,
    call: (chargerId) => (method, params) => callLocal(chargerId, method, params),
    isConnected: (chargerId) => clients.has(chargerId),
    sampleIntervalSeconds: tuning.sampleIntervalSeconds,
    withoutBootDelayMs: tuning.probeWithoutBootDelayMs,
  });
  let heldElsewhere = new Set<string>();
  let closing = false;
  let maintenanceTimer: NodeJS.Timeout | undefined;

  const relay: CommandRelay | undefined = options.database
    ? createCommandRelay({
        db,
        listen: options.database.listen,
        clock,
        logger: logger.child('relay'),
        instanceId,
        claimTimeoutMs: tuning.relayClaimTimeoutMs,
        callTimeoutMs: tuning.callTimeoutMs,
        pollIntervalMs: tuning.relayPollIntervalMs,
        isLocal: (chargerId) => clients.has(chargerId),
        callLocal: (chargerId, method, params) => (clients.has(chargerId) ? callLocal(chargerId, method, params) : undefined),
      })
    : undefined;

  const ready = (async () => {
    await registry.start({ exclusive: options.exclusive ?? (options.database ? options.database.engine === 'pglite' : true) });
    for (const chargerId of await registry.sweep()) await reportConnectivity(chargerId, false);
    await relay?.start();
    // Stops a crashed process acknowledged but never processed: at once, not after the usual delay
    // (processing takes a row lock and skips what another instance is already working on).
    await retryUnprocessedStops(inbound, 0);
    maintenanceTimer = setInterval(() => void maintain(), tuning.maintenanceIntervalMs);
    maintenanceTimer.unref();
  })();
  ready.catch((error) => logger.error('the central system could not start', { error: errorMessage(error) }));

  server.auth(async (accept, reject, handshake) => {
    try {
      await ready;
      const result = await authenticateCharger({ db, logger, endpoint: OCPP_PATH_PREFIX.slice(0, -1) }, handshake);
      if (result.ok) accept({ chargerId: result.chargerId }, 'ocpp1.6');
      else reject(result.status, result.message);
    } catch (error) {
      logger.error('charger authentication failed', { chargerId: handshake.identity, error: errorMessage(error) });
      reject(500, 'Internal error');
    }
  });

  server.on('client', (client: RpcClient) => {
    const chargerId = client.identity;
    if (closing) {
      void client.close({ code: 1001, reason: 'Server shutting down' });
      return;
    }
    const previous = clients.get(chargerId);
    // A charger that reconnects before its old socket died: the newest connection wins.
    clients.set(chargerId, client);
    if (previous) void previous.close({ code: 1000, reason: 'Replaced by a newer connection' }).catch(() => {});
    registerChargePointHandlers(client, chargerId, { ...inbound, onBoot: probes.afterBoot });
    client.on('strictValidationFailure', (event) =>
      logger.warn('OCPP message failed schema validation', {
        chargerId,
        method: event.method,
        outbound: event.outbound,
        error: errorMessage(event.error),
      }),
    );
    client.on('badMessage', (event) => logger.warn('unreadable OCPP frame', { chargerId, error: errorMessage(event.error) }));
    logger.info('charger connected', { chargerId });
    void lanes
      .run(`connection:${chargerId}`, async () => {
        await registry.connected(chargerId, client.handshake.remoteAddress);
        await reportConnectivity(chargerId, true);
        await relay?.runPending([chargerId]);
      })
      .catch((error) => logger.error('could not record a connection', { chargerId, error: errorMessage(error) }));
    probes.afterConnect(chargerId);
    client.once('close', () => {
      if (closing || clients.get(chargerId) !== client) return;
      clients.delete(chargerId);
      probes.cancel(chargerId);
      logger.info('charger disconnected', { chargerId });
      void lanes
        .run(`connection:${chargerId}`, async () => {
          if (await registry.disconnected(chargerId)) await reportConnectivity(chargerId, false);
        })
        .catch((error) => logger.error('could not record a disconnection', { chargerId, error: errorMessage(error) }));
    });
  });

  async function reportConnectivity(chargerId: string, online: boolean) {
    try {
      await sink.connectivity({ chargerId, online });
    } catch (error) {
      logger.error('the engine could not take a connectivity change', { chargerId, online, error: errorMessage(error) });
    }
  }

  async function callLocal(chargerId: string, method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    const client = clients.get(chargerId);
    if (!client) throw new ChargerOfflineError(chargerId);
    try {
      const answer = await client.call(method, params);
      return answer && typeof answer === 'object' ? (answer as Record<string, unknown>) : {};
    } catch (error) {
      const name = (error as { name?: unknown }).name;
      // ocpp-rpc rejects pending calls with an AbortError when the socket goes away.
      if (name === 'AbortError' || !clients.has(chargerId)) throw new ChargerOfflineError(chargerId);
      if (name === 'TimeoutError') {
        throw new ChargerCommandError(`${method} to ${chargerId}: no answer within ${tuning.callTimeoutMs / 1000} s`);
      }
      throw new ChargerCommandError(`${method} to ${chargerId} failed: ${errorMessage(error)}`);
    }
  }

  const send: SendCommand = async (chargerId, method, params) => {
    if (clients.has(chargerId)) return callLocal(chargerId, method, params);
    if (relay && (await registry.ownerOf(chargerId))) return relay.send(chargerId, method, params);
    throw new ChargerOfflineError(chargerId);
  };

  const rateUnit = async (chargerId: string): Promise<'W' | 'A'> => {
    const stored = await getStoredConfiguration(db, chargerId, ['ChargingScheduleAllowedChargingRateUnit']);
    const units = stored.get('ChargingScheduleAllowedChargingRateUnit');
    return units && !/power|w\b/i.test(units) && /current|a\b/i.test(units) ? 'A' : 'W';
  };

  async function maintain() {
    if (closing) return;
    try {
      await ready;
      const local = [...clients.keys()];
      for (const chargerId of await registry.renew(local)) await reportConnectivity(chargerId, true);
      for (const chargerId of await registry.sweep()) await reportConnectivity(chargerId, false);
      heldElsewhere = await registry.heldElsewhere();
      await relay?.runPending(local);
      await retryUnprocessedStops(inbound, STOP_RETRY_AFTER_SECONDS);
      const weekAgo = new Date(clock.now().getTime() - 7 * 24 * 3600_000);
      await pruneCommands(db, weekAgo);
      await db.delete(ocppInboundMessages).where(lt(ocppInboundMessages.processedAt, weekAgo));
    } catch (error) {
      if (!closing) logger.error('central system maintenance failed', { error: errorMessage(error) });
    }
  }

  return {
    instanceId,
    ready,
    handleUpgrade: (request, socket, head) => {
      void server.handleUpgrade(request, socket, head);
    },
    control: createChargerControl(send, rateUnit, {
      isConnected: (chargerId) => clients.has(chargerId) || heldElsewhere.has(chargerId),
      isOnline: async (chargerId) => clients.has(chargerId) || (await registry.ownerOf(chargerId)) !== undefined,
    }),
    admin: createChargerAdmin(send, rateUnit, clock),
    connectedChargerIds: () => [...clients.keys()],
    maintain,
    async close() {
      if (closing) return;
      closing = true;
      if (maintenanceTimer) clearInterval(maintenanceTimer);
      probes.stop();
      await ready.catch(() => {});
      await relay?.stop();
      await server.close({ code: 1001, reason: 'Server shutting down', force: true });
      clients.clear();
      await lanes.idle();
      try {
        for (const chargerId of await registry.stop()) await reportConnectivity(chargerId, false);
      } catch (error) {
        logger.warn('could not record the shutdown', { error: errorMessage(error) });
      }
    },
  };
}
