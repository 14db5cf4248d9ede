import { bigserial, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { chargers } from '@/lib/db/schema';

/**
 * The central system's own tables. Several app instances may share one
 * Postgres; each charger's WebSocket lives on exactly one of them, so the
 * database records which instance holds it (with a lease that a crashed
 * instance stops renewing) and carries commands between instances.
 */

const ts = (name: string) => timestamp(name, { withTimezone: true });

/** One row per running central system; a row whose lease ran out belongs to a dead process. */
export const ocppInstances = pgTable('ocpp_instances', {
  id: text('id').primaryKey(),
  hostname: text('hostname').notNull(),
  startedAt: ts('started_at').notNull(),
  leaseUntil: ts('lease_until').notNull(),
});

/** Which instance holds a charger's socket. `chargers.online` is true exactly while a live row exists. */
export const ocppConnections = pgTable(
  'ocpp_connections',
  {
    chargerId: text('charger_id')
      .primaryKey()
      .references(() => chargers.id),
    instanceId: text('instance_id').notNull(),
    connectedAt: ts('connected_at').notNull(),
    remoteAddress: text('remote_address'),
  },
  (t) => [index('ocpp_connections_instance').on(t.instanceId)],
);

/**
 * A command for a charger whose socket is on another instance: the owner
 * claims it (NOTIFY wakes it, a poll catches what NOTIFY missed), sends it
 * and writes the answer back. A command nobody claimed before it expires is
 * never sent, so a late delivery cannot start a charger nobody waits for.
 */
export const ocppCommands = pgTable(
  'ocpp_commands',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    chargerId: text('charger_id').notNull(),
    method: text('method').notNull(),
    params: jsonb('params').$type<Record<string, unknown>>().notNull(),
    /** pending → running → done | failed; pending → expired. */
    status: text('status').notNull(),
    requestedBy: text('requested_by').notNull(),
    claimedBy: text('claimed_by'),
    result: jsonb('result').$type<Record<string, unknown>>(),
    /** 'offline' or 'command' (CALLERROR or timeout at the charger). */
    errorKind: text('error_kind'),
    error: text('error'),
    createdAt: ts('created_at').notNull(),
    expiresAt: ts('expires_at').notNull(),
    completedAt: ts('completed_at'),
  },
  (t) => [index('ocpp_commands_pending').on(t.chargerId, t.status)],
);

/**
 * Transaction messages that must not be lost once acknowledged
 * (StopTransaction): the raw message is stored, the charger is answered,
 * and then it is processed; a failed processing is retried from here.
 */
export const ocppInboundMessages = pgTable(
  'ocpp_inbound_messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    chargerId: text('charger_id').notNull(),
    action: text('action').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    receivedAt: ts('received_at').notNull(),
    processedAt: ts('processed_at'),
    /** What processing concluded, e.g. "stopped transaction 12" or "unknown transaction". */
    outcome: text('outcome'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
  },
  (t) => [index('ocpp_inbound_messages_unprocessed').on(t.processedAt, t.id)],
);

/**
 * The charger's configuration as it reported it (GetConfiguration) and as
 * it accepted our changes (ChangeConfiguration): what we may rely on, e.g.
 * how often it sends MeterValues.
 */
export const ocppConfiguration = pgTable(
  'ocpp_configuration',
  {
    chargerId: text('charger_id')
      .notNull()
      .references(() => chargers.id),
    key: text('key').notNull(),
    value: text('value'),
    readonly: boolean('readonly').notNull().default(false),
    /** The answer to our last ChangeConfiguration of this key, if we sent one. */
    changeStatus: text('change_status'),
    /** The value we asked for in that ChangeConfiguration. */
    requestedValue: text('requested_value'),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.chargerId, t.key] })],
);

export type OcppCommandRow = typeof ocppCommands.$inferSelect;
export type OcppInboundMessageRow = typeof ocppInboundMessages.$inferSelect;
export type OcppConfigurationRow = typeof ocppConfiguration.$inferSelect;
