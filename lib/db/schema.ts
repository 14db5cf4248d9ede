import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { Tariff } from '@/lib/pricing/tariff';
import type { SessionPrice } from '@/lib/pricing/price-session';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const ts = (name: string) => timestamp(name, { withTimezone: true });

export const sites = pgTable('sites', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  country: text('country').notNull(),
  currency: text('currency').notNull(),
  vatRateBp: integer('vat_rate_bp').notNull(),
  locales: text('locales').array().notNull(),
  timeZone: text('time_zone').notNull(),
  createdAt: createdAt(),
});

export const tariffs = pgTable('tariffs', {
  id: text('id').primaryKey(),
  siteId: text('site_id')
    .notNull()
    .references(() => sites.id),
  name: text('name').notNull(),
  createdAt: createdAt(),
});

/** Tariffs are never edited in place: a change is a new version. */
export const tariffVersions = pgTable(
  'tariff_versions',
  {
    id: serial('id').primaryKey(),
    tariffId: text('tariff_id')
      .notNull()
      .references(() => tariffs.id),
    version: integer('version').notNull(),
    definition: jsonb('definition').$type<Tariff>().notNull(),
    contentHash: text('content_hash').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('tariff_versions_tariff_version').on(t.tariffId, t.version)],
);

export const chargers = pgTable('chargers', {
  /** The OCPP charge point identity, also the QR id and the /c/{id} path. */
  id: text('id').primaryKey(),
  siteId: text('site_id')
    .notNull()
    .references(() => sites.id),
  name: text('name').notNull(),
  tariffId: text('tariff_id')
    .notNull()
    .references(() => tariffs.id),
  /** scrypt hash of the OCPP Basic-auth password. */
  passwordHash: text('password_hash').notNull(),
  maxPowerW: integer('max_power_w').notNull(),
  online: boolean('online').notNull().default(false),
  lastSeenAt: ts('last_seen_at'),
  bootInfo: jsonb('boot_info').$type<Record<string, unknown>>(),
  createdAt: createdAt(),
});

export const connectors = pgTable(
  'connectors',
  {
    chargerId: text('charger_id')
      .notNull()
      .references(() => chargers.id),
    connectorId: integer('connector_id').notNull(),
    status: text('status').notNull().default('Unavailable'),
    errorCode: text('error_code').notNull().default('NoError'),
    statusAt: ts('status_at'),
  },
  (t) => [primaryKey({ columns: [t.chargerId, t.connectorId] })],
);

/** States in which a session owns its connector; see the partial unique index below. */
export const CONNECTOR_OWNING_STATES = ['AUTHORIZED', 'STARTING', 'CHARGING', 'STOPPING'] as const;

export const chargingSessions = pgTable(
  'charging_sessions',
  {
    id: uuid('id').primaryKey(),
    chargerId: text('charger_id')
      .notNull()
      .references(() => chargers.id),
    connectorId: integer('connector_id').notNull(),
    state: text('state').notNull(),
    /** sha256 of the driver's session token; the token itself is never stored. */
    tokenHash: text('token_hash').notNull(),
    /** The Vipps ePayment reference. */
    reference: text('reference').notNull(),
    /** One-time OCPP idTag that ties the StartTransaction to this paid session. */
    idTag: text('id_tag').notNull(),
    currency: text('currency').notNull(),
    reservedAmount: bigint('reserved_amount', { mode: 'number' }).notNull(),
    authorizedAmount: bigint('authorized_amount', { mode: 'number' }),
    tariffVersionId: integer('tariff_version_id')
      .notNull()
      .references(() => tariffVersions.id),
    tariff: jsonb('tariff').$type<Tariff>().notNull(),
    tariffHash: text('tariff_hash').notNull(),
    paymentDescription: text('payment_description').notNull(),
    redirectUrl: text('redirect_url'),
    paymentState: text('payment_state'),
    transactionId: integer('transaction_id'),
    meterStartWh: bigint('meter_start_wh', { mode: 'number' }),
    meterLastWh: bigint('meter_last_wh', { mode: 'number' }),
    meterLastAt: ts('meter_last_at'),
    powerW: integer('power_w'),
    meterStopWh: bigint('meter_stop_wh', { mode: 'number' }),
    startedAt: ts('started_at'),
    stoppedAt: ts('stopped_at'),
    stopReason: text('stop_reason'),
    stopRequestedBy: text('stop_requested_by'),
    energyWh: bigint('energy_wh', { mode: 'number' }),
    price: jsonb('price').$type<SessionPrice>(),
    capturedAmount: bigint('captured_amount', { mode: 'number' }).notNull().default(0),
    cancelledAmount: bigint('cancelled_amount', { mode: 'number' }).notNull().default(0),
    /** Priced above the authorisation and therefore not captured; the operator absorbs it. */
    overrunAmount: bigint('overrun_amount', { mode: 'number' }).notNull().default(0),
    receiptPostedAt: ts('receipt_posted_at'),
    /** What the driver is told when the session did not end normally. */
    failureReason: text('failure_reason'),
    /** Why an operator must look at this session (meter anomaly, settled on an estimate). */
    reviewReason: text('review_reason'),
    /** The energy an operator decided to bill after a review, Wh. */
    operatorEnergyWh: bigint('operator_energy_wh', { mode: 'number' }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('charging_sessions_token_hash').on(t.tokenHash),
    uniqueIndex('charging_sessions_reference').on(t.reference),
    uniqueIndex('charging_sessions_id_tag').on(t.idTag),
    // One connector, one live session: enforced by the database, not only checked.
    uniqueIndex('charging_sessions_one_live_per_connector')
      .on(t.chargerId, t.connectorId)
      .where(sql`state in ('AUTHORIZED', 'STARTING', 'CHARGING', 'STOPPING')`),
    index('charging_sessions_state').on(t.state),
  ],
);

/** Every event offered to a session, applied or ignored, for audit. */
export const sessionEvents = pgTable(
  'session_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => chargingSessions.id),
    type: text('type').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    fromState: text('from_state').notNull(),
    toState: text('to_state').notNull(),
    applied: boolean('applied').notNull(),
    note: text('note'),
    createdAt: createdAt(),
  },
  (t) => [index('session_events_session').on(t.sessionId)],
);

/**
 * Every money-moving call to Vipps. The row (with its Idempotency-Key) is
 * written before the call, so a retry after a crash re-sends the same key.
 */
export const paymentOperations = pgTable(
  'payment_operations',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    sessionId: uuid('session_id').references(() => chargingSessions.id),
    reference: text('reference').notNull(),
    kind: text('kind').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    amount: bigint('amount', { mode: 'number' }),
    request: jsonb('request').$type<Record<string, unknown>>().notNull(),
    status: text('status').notNull(),
    response: jsonb('response').$type<Record<string, unknown>>(),
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: createdAt(),
    completedAt: ts('completed_at'),
  },
  (t) => [uniqueIndex('payment_operations_key').on(t.idempotencyKey)],
);

/** Allowed attempts for rate limits that must hold across app instances (a rolling window). */
export const rateLimitHits = pgTable(
  'rate_limit_hits',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    key: text('key').notNull(),
    at: ts('at').notNull(),
  },
  (t) => [index('rate_limit_hits_key_at').on(t.key, t.at)],
);

/** Server-side secrets generated on first start and shared by every app instance. */
export const appSecrets = pgTable('app_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: createdAt(),
});

export const vippsWebhookRegistrations = pgTable('vipps_webhook_registrations', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  events: text('events').array().notNull(),
  /** Returned once by Vipps at registration; needed to verify every delivery. */
  secret: text('secret').notNull(),
  createdAt: createdAt(),
});

export const vippsWebhookEvents = pgTable(
  'vipps_webhook_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    reference: text('reference').notNull(),
    name: text('name').notNull(),
    pspReference: text('psp_reference').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    receivedAt: createdAt(),
  },
  (t) => [uniqueIndex('vipps_webhook_events_dedupe').on(t.reference, t.name, t.pspReference)],
);

export const ocppTransactions = pgTable(
  'ocpp_transactions',
  {
    /** The OCPP transactionId, assigned by the central system. */
    id: serial('id').primaryKey(),
    chargerId: text('charger_id')
      .notNull()
      .references(() => chargers.id),
    connectorId: integer('connector_id').notNull(),
    idTag: text('id_tag').notNull(),
    sessionId: uuid('session_id').references(() => chargingSessions.id),
    meterStartWh: bigint('meter_start_wh', { mode: 'number' }).notNull(),
    startedAt: ts('started_at').notNull(),
    meterStopWh: bigint('meter_stop_wh', { mode: 'number' }),
    stoppedAt: ts('stopped_at'),
    stopReason: text('stop_reason'),
    idTagStatus: text('id_tag_status').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    // A charger that retries StartTransaction after a reconnect gets the same transactionId back.
    uniqueIndex('ocpp_transactions_dedupe').on(t.chargerId, t.connectorId, t.idTag, t.startedAt, t.meterStartWh),
  ],
);

export const meterSamples = pgTable(
  'meter_samples',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    chargerId: text('charger_id').notNull(),
    transactionId: integer('transaction_id'),
    sampledAt: ts('sampled_at').notNull(),
    energyWh: bigint('energy_wh', { mode: 'number' }),
    powerW: integer('power_w'),
    context: text('context'),
    createdAt: createdAt(),
  },
  (t) => [index('meter_samples_transaction').on(t.transactionId)],
);

/** Durable work: every side effect of a session is a job, claimed with FOR UPDATE SKIP LOCKED. */
export const jobs = pgTable(
  'jobs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: text('kind').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    /** At most one open job per key, e.g. "capture:{sessionId}". */
    dedupeKey: text('dedupe_key'),
    status: text('status').notNull().default('pending'),
    runAt: ts('run_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(25),
    lockedUntil: ts('locked_until'),
    lastError: text('last_error'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('jobs_due').on(t.status, t.runAt),
    uniqueIndex('jobs_open_dedupe').on(t.dedupeKey).where(sql`status = 'pending'`),
  ],
);

export type Site = typeof sites.$inferSelect;
export type Charger = typeof chargers.$inferSelect;
export type Connector = typeof connectors.$inferSelect;
export type ChargingSessionRow = typeof chargingSessions.$inferSelect;
export type JobRow = typeof jobs.$inferSelect;
