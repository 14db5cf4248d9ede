import path from 'node:path';
import { z } from 'zod';

/**
 * Every environment variable the product reads, parsed once.
 * Nothing else in the code base reads `process.env`; tests build a config
 * from a plain object with `parseConfig`.
 */

const onOff = z.enum(['on', 'off']);
const seconds = (fallback: number) => z.coerce.number().int().min(1).max(7 * 24 * 3600).default(fallback);

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    /** on: the app runs behind a reverse proxy whose X-Forwarded-For names the client. */
    TRUST_PROXY: onOff.default('off'),
    PUBLIC_BASE_URL: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://charge.example.com' })
      .optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: z
      .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' })
      .optional(),
    SEED_DEMO_DATA: onOff.default('on'),
    SIMULATED_CHARGERS: z
      .string()
      .regex(/^(on|off|[A-Za-z0-9._-]+(,[A-Za-z0-9._-]+)*)$/, 'must be on, off, or a comma-separated list of charger ids')
      .default('on'),
    SIMULATED_CHARGER_POWER_W: z.coerce.number().int().min(100).max(400_000).default(11_000),
    SIMULATED_METER_INTERVAL_SECONDS: seconds(5),

    VIPPS_MODE: z.enum(['emulator', 'test', 'production']).default('emulator'),
    VIPPS_CLIENT_ID: z.string().min(1).optional(),
    VIPPS_CLIENT_SECRET: z.string().min(1).optional(),
    VIPPS_SUBSCRIPTION_KEY: z.string().min(1).optional(),
    VIPPS_MSN: z.string().regex(/^[0-9]{4,7}$/, 'must be the 4-7 digit merchant serial number').optional(),

    /** Credentials for running the Vipps contract tests against the real test environment (optional). */
    VIPPS_TEST_CLIENT_ID: z.string().min(1).optional(),
    VIPPS_TEST_CLIENT_SECRET: z.string().min(1).optional(),
    VIPPS_TEST_SUBSCRIPTION_KEY: z.string().min(1).optional(),
    VIPPS_TEST_MSN: z.string().regex(/^[0-9]{4,7}$/, 'must be the 4-7 digit merchant serial number').optional(),

    PAYMENT_POLL_FIRST_SECONDS: seconds(5),
    PAYMENT_POLL_INTERVAL_SECONDS: seconds(2),
    START_TIMEOUT_SECONDS: seconds(180),
    PENDING_HOLD_SECONDS: seconds(90),
    STOP_DEADLINE_SECONDS: seconds(6 * 3600),
    STOP_LATENCY_SECONDS: seconds(30),
    BUDGET_WATCH_INTERVAL_SECONDS: seconds(15),
    CHECKOUT_RATE_LIMIT: z.coerce.number().int().min(1).max(10_000).default(5),
    CHECKOUT_RATE_WINDOW_SECONDS: seconds(600),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    /** How long a worker holds a claimed job before another may take it over (renewed while it runs). */
    JOB_LEASE_SECONDS: seconds(30),
    /** Crash tests only: the named crash point kills the process (see lib/runtime/crash-points.ts). */
    TEST_CRASH_AT: z.string().regex(/^[A-Za-z0-9._-]+$/).optional(),
  })
  .superRefine((env, ctx) => {
    if (env.VIPPS_MODE === 'emulator') return;
    for (const key of ['VIPPS_CLIENT_ID', 'VIPPS_CLIENT_SECRET', 'VIPPS_SUBSCRIPTION_KEY', 'VIPPS_MSN'] as const) {
      if (!env[key]) {
        ctx.addIssue({ code: 'custom', path: [key], message: `is required when VIPPS_MODE=${env.VIPPS_MODE}` });
      }
    }
  });

export type VippsMode = 'emulator' | 'test' | 'production';

export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  trustProxy: boolean;
  publicBaseUrl: string;
  dataDir: string;
  databaseUrl: string | undefined;
  seedDemoData: boolean;
  simulatedChargers: 'all' | 'none' | string[];
  simulatedChargerPowerW: number;
  simulatedMeterIntervalSeconds: number;
  vipps: {
    mode: VippsMode;
    baseUrl: string;
    clientId: string;
    clientSecret: string;
    subscriptionKey: string;
    merchantSerialNumber: string;
    systemName: string;
    systemVersion: string;
  };
  /** The real Vipps test environment for contract tests, when all four VIPPS_TEST_* variables are set. */
  vippsContractTest: Omit<AppConfig['vipps'], 'mode'> | undefined;
  /** The engine's timers and limits (lib/charging/deps.ts says what each one does). */
  timers: {
    paymentPollFirstSeconds: number;
    paymentPollIntervalSeconds: number;
    startTimeoutSeconds: number;
    pendingHoldSeconds: number;
    stopDeadlineSeconds: number;
    stopLatencySeconds: number;
    budgetWatchIntervalSeconds: number;
    checkoutRateLimit: number;
    checkoutRateWindowSeconds: number;
  };
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  jobLeaseSeconds: number;
  testCrashAt: string | undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The emulator accepts any credentials; these only fill the headers. */
const EMULATOR_CREDENTIALS = {
  clientId: 'emulator-client-id',
  clientSecret: 'emulator-client-secret',
  subscriptionKey: 'emulator-subscription-key',
  merchantSerialNumber: '123456',
};

export const SYSTEM_NAME = 'ev-checkout';
export const SYSTEM_VERSION = '0.1.0';

export function parseConfig(env: Record<string, string | undefined>): AppConfig {
  // Empty strings mean "not set", as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(environment)'}: ${issue.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  const vippsMode = e.VIPPS_MODE;
  const credentials =
    vippsMode === 'emulator'
      ? EMULATOR_CREDENTIALS
      : {
          clientId: e.VIPPS_CLIENT_ID!,
          clientSecret: e.VIPPS_CLIENT_SECRET!,
          subscriptionKey: e.VIPPS_SUBSCRIPTION_KEY!,
          merchantSerialNumber: e.VIPPS_MSN!,
        };
  const simulated = e.SIMULATED_CHARGERS;
  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    trustProxy: e.TRUST_PROXY === 'on',
    publicBaseUrl,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    seedDemoData: e.SEED_DEMO_DATA === 'on',
    simulatedChargers: simulated === 'on' ? 'all' : simulated === 'off' ? 'none' : simulated.split(','),
    simulatedChargerPowerW: e.SIMULATED_CHARGER_POWER_W,
    simulatedMeterIntervalSeconds: e.SIMULATED_METER_INTERVAL_SECONDS,
    vipps: {
      mode: vippsMode,
      // The emulator stands in for the test host, so the SDK's fixed hosts work unchanged.
      baseUrl: vippsMode === 'production' ? 'https://api.vipps.no' : 'https://apitest.vipps.no',
      ...credentials,
      systemName: SYSTEM_NAME,
      systemVersion: SYSTEM_VERSION,
    },
    vippsContractTest:
      e.VIPPS_TEST_CLIENT_ID && e.VIPPS_TEST_CLIENT_SECRET && e.VIPPS_TEST_SUBSCRIPTION_KEY && e.VIPPS_TEST_MSN
        ? {
            baseUrl: 'https://apitest.vipps.no',
            clientId: e.VIPPS_TEST_CLIENT_ID,
            clientSecret: e.VIPPS_TEST_CLIENT_SECRET,
            subscriptionKey: e.VIPPS_TEST_SUBSCRIPTION_KEY,
            merchantSerialNumber: e.VIPPS_TEST_MSN,
            systemName: SYSTEM_NAME,
            systemVersion: SYSTEM_VERSION,
          }
        : undefined,
    timers: {
      paymentPollFirstSeconds: e.PAYMENT_POLL_FIRST_SECONDS,
      paymentPollIntervalSeconds: e.PAYMENT_POLL_INTERVAL_SECONDS,
      startTimeoutSeconds: e.START_TIMEOUT_SECONDS,
      pendingHoldSeconds: e.PENDING_HOLD_SECONDS,
      stopDeadlineSeconds: e.STOP_DEADLINE_SECONDS,
      stopLatencySeconds: e.STOP_LATENCY_SECONDS,
      budgetWatchIntervalSeconds: e.BUDGET_WATCH_INTERVAL_SECONDS,
      checkoutRateLimit: e.CHECKOUT_RATE_LIMIT,
      checkoutRateWindowSeconds: e.CHECKOUT_RATE_WINDOW_SECONDS,
    },
    logLevel: e.LOG_LEVEL,
    jobLeaseSeconds: e.JOB_LEASE_SECONDS,
    testCrashAt: e.TEST_CRASH_AT,
  };
}

let cached: AppConfig | undefined;

/** The process configuration, parsed from the environment on first use. */
export function getConfig(): AppConfig {
  cached ??= parseConfig(process.env);
  return cached;
}
