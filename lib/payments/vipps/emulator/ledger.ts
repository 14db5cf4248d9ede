import { randomBytes, randomInt } from 'node:crypto';
import { and, asc, eq, lte } from 'drizzle-orm';
import { z } from 'zod';
import type { Clock } from '@/lib/clock';
import type { Db, Tx } from '@/lib/db/client';
import { PAYMENT_LIFETIME_MS, createPaymentBody, createPaymentProblem, modificationBody } from './create-payment-rules';
import { answerHeaders, idempotencyKeyProblem, underIdempotencyKey, type ModifyingOperation } from './idempotency';
import { ok, problem, type EmulatorResponse } from './problems';
import { emulatorPaymentEvents, emulatorPayments, emulatorWebhookDeliveries, emulatorWebhooks } from './schema';

export { PAYMENT_LIFETIME_MS } from './create-payment-rules';
export { MODIFICATIONS_PER_MINUTE } from './idempotency';

/**
 * The emulator's ePayment ledger: the payment states, aggregate amounts,
 * idempotency and limits of the real API, kept in the database. Every
 * modification and its idempotency record commit in one transaction, so a
 * request either happened (and replays) or did not happen at all.
 */

export type EmulatedPayment = typeof emulatorPayments.$inferSelect;

export interface LedgerContext {
  db: Db;
  clock: Clock;
  msn: string;
  /** The sales unit's currency; a payment in another currency is refused (5040). */
  currency: 'NOK' | 'DKK' | 'EUR';
  /** Where the emulated wallet landing page lives (our own app). */
  landingPageUrl: string;
  /** Called after a commit that created webhook deliveries. */
  onDeliveriesQueued?: () => void;
}

/** Amounts that fail when approving in the test environment, as the docs list them. */
export const FAILING_TEST_AMOUNTS: Record<number, string> = {
  151: 'Insufficient funds',
  182: 'Refused by issuer',
  183: 'Suspected fraud',
  184: 'Withdrawal amount limit exceeded',
  186: 'Expired card',
  187: 'Invalid card',
  197: '3-D Secure denied',
  202: 'Strong customer authentication required',
};

/** Refund amounts that fail in the test environment; the codes are our reading of the refund family. */
export const FAILING_REFUND_AMOUNTS: Record<number, { title: string; code: number }> = {
  123: { title: 'Cannot refund: the user is deleted or has no receiving account', code: 6180 },
  124: { title: 'Refund period expired', code: 6220 },
};

const cancelBody = z.object({ cancelTransactionOnly: z.boolean().optional() }).nullable().optional();
const forceApproveBody = z.object({ customer: z.unknown().optional(), token: z.string().optional() }).nullable().optional();

function pspReference(): string {
  return String(randomInt(1_000_000_000, 9_999_999_999));
}

export function createLedger(ctx: LedgerContext) {
  const { db, clock, msn } = ctx;
  /** Set when a transaction queued webhook deliveries, so the sender is woken after commit. */
  let queuedDeliveries = false;

  function amountOf(value: number, currency: string) {
    return { currency, value };
  }

  function aggregateOf(p: EmulatedPayment) {
    return {
      authorizedAmount: amountOf(p.authorizedAmount, p.currency),
      cancelledAmount: amountOf(p.cancelledAmount, p.currency),
      capturedAmount: amountOf(p.capturedAmount, p.currency),
      refundedAmount: amountOf(p.refundedAmount, p.currency),
    };
  }

  /** The GET /epayment/v1/payments/{reference} shape. */
  function paymentView(p: EmulatedPayment) {
    return {
      aggregate: aggregateOf(p),
      amount: amountOf(p.amount, p.currency),
      state: p.state,
      paymentMethod: { type: 'WALLET' },
      profile: {},
      pspReference: p.pspReference,
      redirectUrl: landingUrl(p.landingToken),
      reference: p.reference,
      metadata: (p.request as { metadata?: unknown }).metadata ?? null,
    };
  }

  function modificationView(p: EmulatedPayment, psp: string) {
    return {
      amount: amountOf(p.amount, p.currency),
      state: p.state,
      aggregate: aggregateOf(p),
      pspReference: psp,
      reference: p.reference,
    };
  }

  function landingUrl(token: string) {
    return `${ctx.landingPageUrl}?token=${token}`;
  }

  async function lockPayment(tx: Tx, reference: string): Promise<EmulatedPayment | undefined> {
    const [row] = await tx
      .select()
      .from(emulatorPayments)
      .where(and(eq(emulatorPayments.reference, reference), eq(emulatorPayments.msn, msn)))
      .for('update');
    if (!row) return undefined;
    return expireIfDue(tx, row);
  }

  async function expireIfDue(tx: Tx, payment: EmulatedPayment): Promise<EmulatedPayment> {
    if (payment.state !== 'CREATED' || payment.expiresAt > clock.now()) return payment;
    return transition(tx, payment, { state: 'EXPIRED' }, { name: 'EXPIRED', amount: payment.amount });
  }

  async function transition(
    tx: Tx,
    payment: EmulatedPayment,
    changes: Partial<EmulatedPayment>,
    event: { name: string; amount: number; idempotencyKey?: string | null; psp?: string },
  ): Promise<EmulatedPayment> {
    const now = clock.now();
    const [updated] = await tx
      .update(emulatorPayments)
      .set({ ...changes, updatedAt: now })
      .where(eq(emulatorPayments.reference, payment.reference))
      .returning();
    await recordEvent(tx, updated!, event.name, event.amount, event.idempotencyKey ?? null, event.psp ?? pspReference());
    return updated!;
  }

  async function recordEvent(
    tx: Tx,
    payment: EmulatedPayment,
    name: string,
    amount: number,
    idempotencyKey: string | null,
    psp: string,
  ): Promise<void> {
    const now = clock.now();
    await tx.insert(emulatorPaymentEvents).values({
      reference: payment.reference,
      name,
      pspReference: psp,
      amount,
      currency: payment.currency,
      success: true,
      idempotencyKey,
      timestamp: now,
    });
    const eventType = `epayments.payment.${name.toLowerCase()}.v1`;
    const subscribers = await tx.select().from(emulatorWebhooks).where(eq(emulatorWebhooks.msn, msn));
    const body = JSON.stringify({
      msn,
      reference: payment.reference,
      pspReference: psp,
      name,
      amount: { currency: payment.currency, value: amount },
      timestamp: now.toISOString(),
      idempotencyKey,
      success: true,
    });
    for (const hook of subscribers.filter((h) => h.events.includes(eventType))) {
      await tx
        .insert(emulatorWebhookDeliveries)
        .values({ webhookId: hook.id, reference: payment.reference, body, nextAttemptAt: now, createdAt: now });
      queuedDeliveries = true;
    }
  }

  async function inTransaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const result = await db.transaction(fn);
    if (queuedDeliveries) {
      queuedDeliveries = false;
      ctx.onDeliveriesQueued?.();
    }
    return result;
  }

  async function idempotent(
    operation: ModifyingOperation,
    reference: string,
    idempotencyKey: string | null,
    body: unknown,
    run: (tx: Tx) => Promise<EmulatorResponse>,
  ): Promise<EmulatorResponse> {
    const keyProblem = idempotencyKeyProblem(idempotencyKey);
    if (keyProblem) return keyProblem;
    return inTransaction((tx) =>
      underIdempotencyKey(tx, { clock, msn }, { operation, reference, idempotencyKey: idempotencyKey!, body }, () => run(tx)),
    );
  }

  async function createPayment(idempotencyKey: string | null, rawBody: unknown): Promise<EmulatorResponse> {
    const parsed = createPaymentBody.safeParse(rawBody);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return problem(400, `Invalid request: ${issue?.path.join('.')}: ${issue?.message}`, 4140);
    }
    const body = parsed.data;
    const reference = body.reference;
    const currency = body.amount.currency;
    return idempotent('create', reference, idempotencyKey, rawBody, async (tx) => {
      const invalid = createPaymentProblem(body, ctx.currency);
      if (invalid) return invalid;
      const [existing] = await tx
        .select({ reference: emulatorPayments.reference })
        .from(emulatorPayments)
        .where(and(eq(emulatorPayments.reference, reference), eq(emulatorPayments.msn, msn)));
      if (existing) return problem(409, `Reference ${reference} already exists`, 4150);

      const now = clock.now();
      const landingToken = randomBytes(24).toString('base64url');
      const [payment] = await tx
        .insert(emulatorPayments)
        .values({
          reference,
          msn,
          state: 'CREATED',
          currency,
          amount: body.amount.value,
          pspReference: pspReference(),
          landingToken,
          request: rawBody as Record<string, unknown>,
          createdAt: now,
          expiresAt: new Date(now.getTime() + PAYMENT_LIFETIME_MS),
          updatedAt: now,
        })
        .returning();
      await recordEvent(tx, payment!, 'CREATED', payment!.amount, idempotencyKey, payment!.pspReference);
      // A push message goes to the user's phone: there is no page to send the browser to.
      return ok(body.userFlow === 'PUSH_MESSAGE' ? { reference } : { redirectUrl: landingUrl(landingToken), reference }, 201);
    });
  }

  async function getPayment(reference: string): Promise<EmulatorResponse> {
    return inTransaction(async (tx) => {
      const payment = await lockPayment(tx, reference);
      if (!payment) return problem(404, `Payment ${reference} not found`, 5090);
      return ok(paymentView(payment));
    });
  }

  async function getEvents(reference: string): Promise<EmulatorResponse> {
    return inTransaction(async (tx) => {
      const payment = await lockPayment(tx, reference);
      if (!payment) return problem(404, `Payment ${reference} not found`, 5090);
      const events = await tx
        .select()
        .from(emulatorPaymentEvents)
        .where(eq(emulatorPaymentEvents.reference, reference))
        .orderBy(asc(emulatorPaymentEvents.id));
      return ok(
        events.map((e) => ({
          reference: e.reference,
          pspReference: e.pspReference,
          name: e.name,
          amount: { currency: e.currency, value: e.amount },
          timestamp: e.timestamp.toISOString(),
          idempotencyKey: e.idempotencyKey,
          success: e.success,
        })),
      );
    });
  }

  function parseModification(rawBody: unknown, payment: EmulatedPayment): { value: number } | EmulatorResponse {
    const parsed = modificationBody.safeParse(rawBody);
    if (!parsed.success) return problem(400, 'Invalid request: modificationAmount is required', 4140);
    const { currency, value } = parsed.data.modificationAmount;
    if (currency !== payment.currency) return problem(400, 'Currency does not match the payment', 4040);
    if (!Number.isInteger(value) || value <= 0) return problem(400, 'Amount must be a positive integer', 4040);
    return { value };
  }

  async function capture(reference: string, idempotencyKey: string | null, rawBody: unknown): Promise<EmulatorResponse> {
    return idempotent('capture', reference, idempotencyKey, rawBody, async (tx) => {
      const payment = await lockPayment(tx, reference);
      if (!payment) return problem(404, `Payment ${reference} not found`, 5090);
      const amount = parseModification(rawBody, payment);
      if ('status' in amount) return amount;
      if (payment.state !== 'AUTHORIZED') return problem(400, 'Capture is not possible before the payment is reserved', 6080);
      const capturable = payment.authorizedAmount - payment.cancelledAmount - payment.capturedAmount;
      if (amount.value > capturable) {
        return problem(400, 'Captured amount exceeds the authorized amount', 6090);
      }
      const psp = pspReference();
      const updated = await transition(
        tx,
        payment,
        { capturedAmount: payment.capturedAmount + amount.value },
        { name: 'CAPTURED', amount: amount.value, idempotencyKey, psp },
      );
      return { ...ok(modificationView(updated, psp)), headers: answerHeaders('modification', 200) };
    });
  }

  async function cancel(reference: string, idempotencyKey: string | null, rawBody: unknown): Promise<EmulatorResponse> {
    const parsed = cancelBody.safeParse(rawBody);
    if (!parsed.success) return problem(400, 'Invalid request body', 4140);
    const transactionOnly = parsed.data?.cancelTransactionOnly === true;
    return idempotent('cancel', reference, idempotencyKey, rawBody ?? null, async (tx) => {
      const payment = await lockPayment(tx, reference);
      if (!payment) return problem(404, `Payment ${reference} not found`, 5090);
      const psp = pspReference();
      if (payment.state === 'CREATED') {
        const updated = await transition(
          tx,
          payment,
          { state: 'TERMINATED' },
          { name: 'TERMINATED', amount: payment.amount, idempotencyKey, psp },
        );
        return { ...ok(modificationView(updated, psp)), headers: answerHeaders('modification', 200) };
      }
      if (payment.state !== 'AUTHORIZED') return problem(400, 'Cannot cancel a payment that is not reserved', 6050);
      if (transactionOnly) return problem(400, 'Cannot cancel an authorized payment with cancelTransactionOnly', 6060);
      const remaining = payment.authorizedAmount - payment.capturedAmount - payment.cancelledAmount;
      if (remaining <= 0) {
        return payment.capturedAmount > 0
          ? problem(400, 'Cannot cancel a captured payment; refund instead', 6040)
          : problem(400, 'Nothing left to cancel', 6050);
      }
      // After a (partial) capture, cancel releases the whole uncaptured rest, once.
      const updated = await transition(
        tx,
        payment,
        { cancelledAmount: payment.cancelledAmount + remaining },
        { name: 'CANCELLED', amount: remaining, idempotencyKey, psp },
      );
      return { ...ok(modificationView(updated, psp)), headers: answerHeaders('modification', 200) };
    });
  }

  async function refund(reference: string, idempotencyKey: string | null, rawBody: unknown): Promise<EmulatorResponse> {
    return idempotent('refund', reference, idempotencyKey, rawBody, async (tx) => {
      const payment = await lockPayment(tx, reference);
      if (!payment) return problem(404, `Payment ${reference} not found`, 5090);
      const amount = parseModification(rawBody, payment);
      if ('status' in amount) return amount;
      if (payment.refundedAmount + amount.value > payment.capturedAmount) {
        return problem(400, 'Refunded amount exceeds the captured amount', 6150);
      }
      const failing = FAILING_REFUND_AMOUNTS[amount.value];
      if (failing) return problem(400, failing.title, failing.code);
      const psp = pspReference();
      const updated = await transition(
        tx,
        payment,
        { refundedAmount: payment.refundedAmount + amount.value },
        { name: 'REFUNDED', amount: amount.value, idempotencyKey, psp },
      );
      return { ...ok(modificationView(updated, psp)), headers: answerHeaders('modification', 200) };
    });
  }

  /** The user approves in the (emulated) app. A failing test amount is refused, as in the test environment. */
  async function approve(
    by: { landingToken: string } | { reference: string },
  ): Promise<{ ok: true; payment: EmulatedPayment } | { ok: false; reason: string; payment?: EmulatedPayment }> {
    return inTransaction(async (tx) => {
      const payment = await findForUser(tx, by);
      if (!payment) return { ok: false, reason: 'Payment not found' };
      if (payment.state !== 'CREATED') return { ok: false, reason: `Payment is ${payment.state}`, payment };
      const failure = FAILING_TEST_AMOUNTS[payment.amount];
      if (failure) return { ok: false, reason: failure, payment };
      const updated = await transition(
        tx,
        payment,
        { state: 'AUTHORIZED', authorizedAmount: payment.amount },
        { name: 'AUTHORIZED', amount: payment.amount },
      );
      return { ok: true, payment: updated };
    });
  }

  /**
   * POST /epayment/v1/test/payments/{reference}/approve: the test user approves
   * without a phone. A `token` must be the one from the payment's redirectUrl.
   */
  async function forceApprove(reference: string, rawBody: unknown): Promise<EmulatorResponse> {
    const parsed = forceApproveBody.safeParse(rawBody);
    if (!parsed.success) return problem(400, 'Invalid request body', 4140);
    if (parsed.data?.token) {
      const [row] = await db
        .select({ token: emulatorPayments.landingToken })
        .from(emulatorPayments)
        .where(and(eq(emulatorPayments.reference, reference), eq(emulatorPayments.msn, msn)));
      if (row && row.token !== parsed.data.token) return problem(400, 'The token does not belong to this payment');
    }
    const result = await approve({ reference });
    if (result.ok) return { status: 200, body: undefined };
    if (!result.payment) return problem(404, `Payment ${reference} not found`, 5090);
    return problem(400, `Cannot approve: ${result.reason}`);
  }

  /** The user rejects (or closes) the payment in the app. */
  async function reject(
    by: { landingToken: string } | { reference: string },
  ): Promise<{ ok: true; payment: EmulatedPayment } | { ok: false; reason: string; payment?: EmulatedPayment }> {
    return inTransaction(async (tx) => {
      const payment = await findForUser(tx, by);
      if (!payment) return { ok: false, reason: 'Payment not found' };
      if (payment.state !== 'CREATED') return { ok: false, reason: `Payment is ${payment.state}`, payment };
      const updated = await transition(tx, payment, { state: 'ABORTED' }, { name: 'ABORTED', amount: payment.amount });
      return { ok: true, payment: updated };
    });
  }

  async function findForUser(tx: Tx, by: { landingToken: string } | { reference: string }) {
    if ('reference' in by) return lockPayment(tx, by.reference);
    const [row] = await tx.select().from(emulatorPayments).where(eq(emulatorPayments.landingToken, by.landingToken));
    return row ? lockPayment(tx, row.reference) : undefined;
  }

  async function findByLandingToken(landingToken: string): Promise<EmulatedPayment | undefined> {
    return inTransaction(async (tx) => {
      const [row] = await tx.select().from(emulatorPayments).where(eq(emulatorPayments.landingToken, landingToken));
      return row ? lockPayment(tx, row.reference) : undefined;
    });
  }

  /** Moves every payment the user left untouched for 10 minutes to EXPIRED. */
  async function expireDue(): Promise<number> {
    const due = await db
      .select({ reference: emulatorPayments.reference })
      .from(emulatorPayments)
      .where(and(eq(emulatorPayments.state, 'CREATED'), lte(emulatorPayments.expiresAt, clock.now())));
    for (const { reference } of due) {
      await inTransaction((tx) => lockPayment(tx, reference));
    }
    return due.length;
  }

  return {
    createPayment,
    getPayment,
    getEvents,
    capture,
    cancel,
    refund,
    approve,
    forceApprove,
    reject,
    findByLandingToken,
    expireDue,
    paymentView,
  };
}

export type Ledger = ReturnType<typeof createLedger>;
