import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * The emulator's own ledger. It stands in for Vipps' systems, so it keeps its
 * state durably (a crash of our process must not make "Vipps" forget a
 * capture) but in tables of its own that the product code never reads.
 */

const ts = (name: string) => timestamp(name, { withTimezone: true });

export const emulatorPayments = pgTable('vipps_emulator_payments', {
  reference: text('reference').primaryKey(),
  msn: text('msn').notNull(),
  state: text('state').notNull(),
  currency: text('currency').notNull(),
  amount: bigint('amount', { mode: 'number' }).notNull(),
  authorizedAmount: bigint('authorized_amount', { mode: 'number' }).notNull().default(0),
  capturedAmount: bigint('captured_amount', { mode: 'number' }).notNull().default(0),
  cancelledAmount: bigint('cancelled_amount', { mode: 'number' }).notNull().default(0),
  refundedAmount: bigint('refunded_amount', { mode: 'number' }).notNull().default(0),
  pspReference: text('psp_reference').notNull(),
  /** The token in the redirectUrl; the wallet page finds the payment by it. */
  landingToken: text('landing_token').notNull().unique(),
  request: jsonb('request').$type<Record<string, unknown>>().notNull(),
  createdAt: ts('created_at').notNull(),
  expiresAt: ts('expires_at').notNull(),
  updatedAt: ts('updated_at').notNull(),
});

export const emulatorPaymentEvents = pgTable(
  'vipps_emulator_payment_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    reference: text('reference').notNull(),
    name: text('name').notNull(),
    pspReference: text('psp_reference').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    currency: text('currency').notNull(),
    success: boolean('success').notNull(),
    idempotencyKey: text('idempotency_key'),
    timestamp: ts('timestamp').notNull(),
  },
  (t) => [index('vipps_emulator_payment_events_reference').on(t.reference)],
);

/** Stored answers for Idempotency-Key replay: same key + same body gives the same answer. */
export const emulatorIdempotency = pgTable(
  'vipps_emulator_idempotency',
  {
    msn: text('msn').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    operation: text('operation').notNull(),
    reference: text('reference').notNull(),
    requestHash: text('request_hash').notNull(),
    responseStatus: integer('response_status').notNull(),
    responseBody: jsonb('response_body').$type<unknown>(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.msn, t.idempotencyKey] })],
);

/** Modifying calls per reference, for the documented 5-per-minute limit. */
export const emulatorModificationCalls = pgTable(
  'vipps_emulator_modification_calls',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    reference: text('reference').notNull(),
    at: ts('at').notNull(),
  },
  (t) => [index('vipps_emulator_modification_calls_reference').on(t.reference, t.at)],
);

export const emulatorWebhooks = pgTable('vipps_emulator_webhooks', {
  id: text('id').primaryKey(),
  msn: text('msn').notNull(),
  url: text('url').notNull(),
  events: text('events').array().notNull(),
  secret: text('secret').notNull(),
  createdAt: ts('created_at').notNull(),
});

/** Outgoing webhook deliveries, sent in order per registration and retried on failure. */
export const emulatorWebhookDeliveries = pgTable(
  'vipps_emulator_webhook_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    webhookId: text('webhook_id').notNull(),
    /** Deliveries are ordered per registration and payment: a failing one holds back later ones for the same reference. */
    reference: text('reference').notNull(),
    body: text('body').notNull(),
    /** pending, delivered, or dropped (still failing after the retry window, as Vipps gives up after 7 days). */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull(),
    lastResponseStatus: integer('last_response_status'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [index('vipps_emulator_webhook_deliveries_pending').on(t.webhookId, t.status, t.reference, t.id)],
);

export const emulatorReceipts = pgTable('vipps_emulator_receipts', {
  orderId: text('order_id').primaryKey(),
  paymentType: text('payment_type').notNull(),
  receipt: jsonb('receipt').$type<Record<string, unknown>>().notNull(),
  /** Every POST for this order, accepted or not: a second one is refused with 409. */
  postAttempts: integer('post_attempts').notNull().default(1),
  createdAt: ts('created_at').notNull(),
});

export const emulatorQrCodes = pgTable('vipps_emulator_qr_codes', {
  id: text('id').primaryKey(),
  msn: text('msn').notNull(),
  redirectUrl: text('redirect_url').notNull(),
  expiresAt: ts('expires_at'),
  createdAt: ts('created_at').notNull(),
});
