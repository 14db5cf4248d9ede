import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { ChargerControl, ChargerEventSink } from '@/lib/chargers/charger-control';
import { createCentralSystem, type CentralSystem, type CentralSystemTuning } from '@/lib/chargers/ocpp/central-system';
import { SimulatedChargePoint } from '@/lib/chargers/simulator/charge-point';
import { DEFAULT_CHARGING_SETTINGS } from '@/lib/charging/deps';
import { createChargingService, type ChargingService } from '@/lib/charging/service';
import { systemClock, type Clock } from '@/lib/clock';
import type { AppConfig } from '@/lib/config';
import { migrateDatabase, openDatabase, type Database, type DatabaseLocation } from '@/lib/db/client';
import { appSecrets } from '@/lib/db/schema';
import { releaseAllLeases } from '@/lib/jobs/queue';
import { createJobWorker, type JobWorker } from '@/lib/jobs/worker';
import { createLogger, errorMessage, type Logger } from '@/lib/logger';
import { createVippsClient, type VippsClient } from '@/lib/payments/vipps/client';
import { VippsUnavailableError } from '@/lib/payments/vipps/errors';
import { createVippsEmulator, type VippsEmulator } from '@/lib/payments/vipps/emulator';
import { createVippsPayments, type Payments } from '@/lib/payments/vipps/payments';
import { ensureWebhookRegistration, receiveWebhook, webhookUrl } from '@/lib/payments/vipps/webhooks';
import { armCrashPoint } from '@/lib/crash-points';
import { DEMO_CHARGER_IDS, DEMO_CHARGER_PASSWORD, seedDemoData } from './seed-demo';

/**
 * Builds the whole product from its configuration: database (migrated,
 * seeded), Vipps client (and the emulator in emulator mode), OCPP central
 * system, charging engine and job worker. The HTTP server (server.ts, or a
 * test harness) hands it requests and WebSocket upgrades.
 */

export interface RuntimeOptions {
  clock?: Clock;
  logger?: Logger;
  /** Validate OCPP messages strictly against the schemas (tests). */
  strictOcpp?: boolean;
  /** OCPP timers and limits (tests shorten pings and timeouts). */
  ocpp?: Partial<CentralSystemTuning>;
  /** Run the job worker and emulator in the background (off: tests step them by hand). */
  background?: boolean;
  /** Override engine timers (tests). */
  chargingSettings?: Partial<typeof DEFAULT_CHARGING_SETTINGS>;
  vippsRetryDelaysMs?: number[];
  /** Where the database lives, when not the configured place (tests use memory). */
  databaseLocation?: DatabaseLocation;
}

export interface Runtime {
  config: AppConfig;
  clock: Clock;
  logger: Logger;
  database: Database;
  emulator: VippsEmulator | undefined;
  vipps: VippsClient;
  payments: Payments;
  charging: ChargingService;
  centralSystem: CentralSystem;
  worker: JobWorker;
  webhookUrl: string;
  receiveVippsWebhook(request: { rawBody: string; headers: { get(name: string): string | null } }): ReturnType<typeof receiveWebhook>;
  /** Starts the background work and the simulated chargers once the server listens on `port`. */
  afterListen(port: number): Promise<void>;
  /** True once afterListen is done: the demo's simulated chargers are connected. */
  readonly ready: boolean;
  stop(): Promise<void>;
}

async function getOrCreateSecret(database: Database, name: string): Promise<Buffer> {
  await database.db.insert(appSecrets).values({ name, value: randomBytes(32).toString('base64') }).onConflictDoNothing();
  const [row] = await database.db.select().from(appSecrets).where(eq(appSecrets.name, name));
  return Buffer.from(row!.value, 'base64');
}

export async function createRuntime(config: AppConfig, options: RuntimeOptions = {}): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  armCrashPoint(config.testCrashAt);
  if (config.testCrashAt) logger.warn(`TEST_CRASH_AT=${config.testCrashAt}: this process will kill itself there (crash tests only)`);
  const background = options.background !== false;

  const location: DatabaseLocation =
    options.databaseLocation ?? (config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir });
  const database = await openDatabase(location);
  await migrateDatabase(database, 'databaseUrl' in location ? location.databaseUrl : undefined);
  if (config.seedDemoData && (await seedDemoData(database.db))) logger.info('seeded the demo site with chargers DEMO-1, DEMO-2 and DEMO-3');
  if (database.engine === 'pglite') await releaseAllLeases(database.db);
  const sessionTokenKey = await getOrCreateSecret(database, 'session-token-key');

  let emulator: VippsEmulator | undefined;
  if (config.vipps.mode === 'emulator') {
    emulator = createVippsEmulator({
      db: database.db,
      clock,
      logger: logger.child('vipps-emulator'),
      publicBaseUrl: config.publicBaseUrl,
      msn: config.vipps.merchantSerialNumber,
      background,
    });
    emulator.start();
  }
  const vipps = createVippsClient(config.vipps, { clock, logger: logger.child('vipps'), retryDelaysMs: options.vippsRetryDelaysMs });
  const payments = createVippsPayments({ client: vipps, db: database.db });

  // The engine and the central system need each other: the sink is bound once both exist, before the central
  // system handles anything. An event before that is an error, never silently dropped; optional methods the
  // engine does not implement are no-ops.
  let sink: ChargerEventSink | undefined;
  const boundSink = new Proxy({} as ChargerEventSink, {
    get: (_t, prop: keyof ChargerEventSink) => (...args: never[]) => {
      if (!sink) throw new Error(`charger event ${String(prop)} arrived before the engine was wired`);
      return (sink[prop] as ((...a: never[]) => unknown) | undefined)?.(...args);
    },
  });
  // Registers this instance and takes offline the chargers of instances that died (with PGlite: all of them).
  const centralSystem = createCentralSystem({
    ...options.ocpp,
    db: database.db,
    database,
    clock,
    logger: logger.child('ocpp'),
    sink: boundSink,
    strict: options.strictOcpp ?? options.ocpp?.strict,
  });
  const chargerControl: ChargerControl = centralSystem.control;

  let worker: JobWorker | undefined;
  const charging = createChargingService(
    {
      db: database.db,
      clock,
      logger: logger.child('charging'),
      payments,
      chargers: chargerControl,
      sessionTokenKey,
      settings: { ...DEFAULT_CHARGING_SETTINGS, ...config.timers, ...options.chargingSettings, publicBaseUrl: config.publicBaseUrl },
    },
    { wakeJobs: () => worker?.wake() },
  );
  sink = charging.chargerEvents;
  // Stops acknowledged by a process that died are processed as the central system starts: the sink must be bound.
  await centralSystem.ready;
  worker = createJobWorker({
    database,
    clock,
    logger: logger.child('jobs'),
    handlers: charging.jobHandlers,
    leaseSeconds: config.jobLeaseSeconds,
  });

  const hookUrl = webhookUrl(config.publicBaseUrl);
  const simulators: SimulatedChargePoint[] = [];
  let ready = false;
  let registrationTimer: NodeJS.Timeout | undefined;

  async function registerWebhook(): Promise<void> {
    try {
      await ensureWebhookRegistration({ client: vipps, db: database.db, url: hookUrl, logger: logger.child('vipps') });
    } catch (error) {
      if (error instanceof VippsUnavailableError) {
        // Polling keeps payments moving meanwhile; try again in a minute.
        logger.warn('could not reach Vipps to register the webhook; will retry', { error: errorMessage(error) });
        registrationTimer = setTimeout(() => void registerWebhook(), 60_000);
      } else {
        // Refused (a URL Vipps will not call, credentials without the webhooks product): retrying changes nothing.
        logger.error('the Vipps webhook could not be registered; payments are followed by polling only', {
          error: errorMessage(error),
        });
      }
    }
  }
  await registerWebhook();

  return {
    config,
    clock,
    logger,
    database,
    emulator,
    vipps,
    payments,
    charging,
    centralSystem,
    worker,
    webhookUrl: hookUrl,
    receiveVippsWebhook: (request) =>
      receiveWebhook(
        {
          db: database.db,
          url: hookUrl,
          onNewEvent: async (tx, event) => {
            await charging.onVippsWebhookEvent(tx, event);
          },
        },
        request,
      ),

    async afterListen(port) {
      if (background) await worker.start();
      const wanted = config.simulatedChargers;
      const ids = wanted === 'all' ? [...DEMO_CHARGER_IDS] : wanted === 'none' ? [] : wanted;
      const unknown = ids.filter((id) => !(DEMO_CHARGER_IDS as readonly string[]).includes(id));
      if (unknown.length > 0) logger.warn(`SIMULATED_CHARGERS names ${unknown.join(', ')}: not demo chargers; skipped`);
      // The demo's chargers chat a lot; their play-by-play is for LOG_LEVEL=debug.
      const simulatorLogLevel = config.logLevel === 'debug' ? 'debug' : 'warn';
      for (const id of ids.filter((id) => !unknown.includes(id))) {
        simulators.push(
          new SimulatedChargePoint({
            url: `ws://127.0.0.1:${port}/ocpp`,
            id,
            password: DEMO_CHARGER_PASSWORD,
            powerW: config.simulatedChargerPowerW,
            meterIntervalSeconds: config.simulatedMeterIntervalSeconds,
            logger: createLogger(simulatorLogLevel, `simulator:${id}`),
          }),
        );
      }
      await Promise.all(
        simulators.map((s) => s.connect().catch((error) => logger.warn('simulated charger could not connect', { id: s.id, error: errorMessage(error) }))),
      );
      if (simulators.length > 0) logger.info(`simulated chargers connected: ${simulators.map((s) => s.id).join(', ')}`);
      ready = true;
    },

    get ready() {
      return ready;
    },

    async stop() {
      if (registrationTimer) clearTimeout(registrationTimer);
      await Promise.all(simulators.map((s) => s.close()));
      await worker.stop();
      await centralSystem.close();
      await emulator?.stop();
      await database.close();
    },
  };
}
