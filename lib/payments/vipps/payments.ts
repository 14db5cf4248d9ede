import type { Db } from '@/lib/db/client';
import { runRecordedOperation } from '../operations';
import type { VippsClient } from './client';
import {
  cancelPayment,
  capturePayment,
  createReservation,
  getPayment,
  getPaymentEvents,
  refundPayment,
  type Currency,
} from './epayment';
import { postReceipt, type Receipt } from './receipts';
import type { PaymentEventRecord, PaymentSnapshot } from './types';

/**
 * The payments port the charging engine uses, backed by Vipps MobilePay.
 * Idempotency-Keys are derived from the session id and the operation
 * (at most 50 characters: a UUID plus a short suffix), and recorded before
 * each call, so a process that dies mid-call re-sends the same key.
 */

export type { Currency };

export interface Payments {
  createReservation(input: {
    sessionId: string;
    reference: string;
    amount: number;
    currency: Currency;
    description: string;
    returnUrl: string;
  }): Promise<{ redirectUrl: string }>;
  getPayment(reference: string): Promise<PaymentSnapshot>;
  /**
   * The payment's history as Vipps records it (back office, reconciliation).
   * Optional so that fakes of this port written before it existed still fit.
   */
  getPaymentEvents?(reference: string): Promise<PaymentEventRecord[]>;
  capture(input: { sessionId: string; reference: string; amount: number; currency: Currency }): Promise<PaymentSnapshot>;
  /** Releases whatever is left of an authorised reservation. */
  cancelRest(input: { sessionId: string; reference: string }): Promise<PaymentSnapshot>;
  /** Abandons a payment the user has not approved; refused (6060) if it was approved meanwhile. */
  abandonPending(input: { sessionId: string; reference: string }): Promise<PaymentSnapshot>;
  refund(input: { sessionId: string; reference: string; amount: number; currency: Currency; refundNumber: number }): Promise<PaymentSnapshot>;
  postReceipt(reference: string, receipt: Receipt): Promise<'posted' | 'already-posted'>;
}

/** The Idempotency-Key of each money operation, from our own ids. */
export const operationKey = {
  create: (sessionId: string) => `${sessionId}-create`,
  capture: (sessionId: string) => `${sessionId}-capture`,
  cancelRest: (sessionId: string) => `${sessionId}-cancel`,
  abandon: (sessionId: string) => `${sessionId}-abandon`,
  refund: (sessionId: string, refundNumber: number) => `${sessionId}-refund-${refundNumber}`,
};

export function createVippsPayments(deps: { client: VippsClient; db: Db }): Payments {
  const { client, db } = deps;
  return {
    async createReservation(input) {
      const result = await runRecordedOperation(
        db,
        {
          sessionId: input.sessionId,
          reference: input.reference,
          kind: 'create',
          idempotencyKey: operationKey.create(input.sessionId),
          amount: input.amount,
          // The returnUrl carries the driver's session token: it is derived again on a retry, never stored.
          request: { reference: input.reference, amount: input.amount, currency: input.currency, description: input.description },
        },
        async (request, idempotencyKey) =>
          createReservation(client, {
            reference: String(request.reference),
            amount: Number(request.amount),
            currency: request.currency as Currency,
            description: String(request.description),
            returnUrl: input.returnUrl,
            idempotencyKey,
          }),
      );
      return { redirectUrl: result.redirectUrl };
    },

    getPayment: (reference) => getPayment(client, reference),

    getPaymentEvents: (reference) => getPaymentEvents(client, reference),

    capture: (input) =>
      runRecordedOperation(
        db,
        {
          sessionId: input.sessionId,
          reference: input.reference,
          kind: 'capture',
          idempotencyKey: operationKey.capture(input.sessionId),
          amount: input.amount,
          request: { amount: input.amount, currency: input.currency },
        },
        (request, idempotencyKey) =>
          capturePayment(client, {
            reference: input.reference,
            idempotencyKey,
            amount: Number(request.amount),
            currency: request.currency as Currency,
          }),
      ),

    cancelRest: (input) =>
      runRecordedOperation(
        db,
        {
          sessionId: input.sessionId,
          reference: input.reference,
          kind: 'cancel',
          idempotencyKey: operationKey.cancelRest(input.sessionId),
          amount: null,
          request: { transactionOnly: false },
        },
        (_request, idempotencyKey) => cancelPayment(client, { reference: input.reference, idempotencyKey, transactionOnly: false }),
      ),

    abandonPending: (input) =>
      runRecordedOperation(
        db,
        {
          sessionId: input.sessionId,
          reference: input.reference,
          kind: 'cancel',
          idempotencyKey: operationKey.abandon(input.sessionId),
          amount: null,
          request: { transactionOnly: true },
        },
        (_request, idempotencyKey) => cancelPayment(client, { reference: input.reference, idempotencyKey, transactionOnly: true }),
      ),

    refund: (input) =>
      runRecordedOperation(
        db,
        {
          sessionId: input.sessionId,
          reference: input.reference,
          kind: 'refund',
          idempotencyKey: operationKey.refund(input.sessionId, input.refundNumber),
          amount: input.amount,
          request: { amount: input.amount, currency: input.currency },
        },
        (request, idempotencyKey) =>
          refundPayment(client, {
            reference: input.reference,
            idempotencyKey,
            amount: Number(request.amount),
            currency: request.currency as Currency,
          }),
      ),

    postReceipt: (reference, receipt) => postReceipt(client, reference, receipt),
  };
}
