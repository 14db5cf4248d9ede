import type { Db } from '@/lib/db/client';
import { runRecordedOperation } from '../operations';
import type { VippsClient } from './client';
import { cancelPayment, capturePayment, createReservation, getPayment, refundPayment } from './epayment';
import { postReceipt, type Receipt } from './receipts';
import type { PaymentSnapshot } from './types';

/**
 * The payments port the charging engine uses, backed by Vipps MobilePay.
 * Idempotency-Keys are derived from the session id and the operation
 * (at most 50 characters: a UUID plus a short suffix), and recorded before
 * each call.
 */

export type Currency = 'NOK' | 'DKK' | 'EUR';

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
  capture(input: { sessionId: string; reference: string; amount: number; currency: Currency }): Promise<PaymentSnapshot>;
  /** Releases whatever is left of an authorised reservation. */
  cancelRest(input: { sessionId: string; reference: string }): Promise<PaymentSnapshot>;
  /** Abandons a payment the user has not approved; refused (6060) if it was approved meanwhile. */
  abandonPending(input: { sessionId: string; reference: string }): Promise<PaymentSnapshot>;
  refund(input: { sessionId: string; reference: string; amount: number; currency: Currency; refundNumber: number }): Promise<PaymentSnapshot>;
  postReceipt(reference: string, receipt: Receipt): Promise<'posted' | 'already-posted'>;
}

const snapshot = (s: PaymentSnapshot) => s as unknown as Record<string, unknown>;

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
          idempotencyKey: `${input.sessionId}-create`,
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
      return { redirectUrl: String(result.redirectUrl) };
    },

    getPayment: (reference) => getPayment(client, reference),

    async capture(input) {
      return (await runRecordedOperation(
        db,
        {
          sessionId: input.sessionId,
          reference: input.reference,
          kind: 'capture',
          idempotencyKey: `${input.sessionId}-capture`,
          amount: input.amount,
          request: { amount: input.amount, currency: input.currency },
        },
        async (request, idempotencyKey) =>
          snapshot(
            await capturePayment(client, {
              reference: input.reference,
              idempotencyKey,
              amount: Number(request.amount),
              currency: String(request.currency),
            }),
          ),
      )) as unknown as PaymentSnapshot;
    },

    async cancelRest(input) {
      return (await runRecordedOperation(
        db,
        {
          sessionId: input.sessionId,
          reference: input.reference,
          kind: 'cancel',
          idempotencyKey: `${input.sessionId}-cancel`,
          amount: null,
          request: { transactionOnly: false },
        },
        async (_request, idempotencyKey) =>
          snapshot(await cancelPayment(client, { reference: input.reference, idempotencyKey, transactionOnly: false })),
      )) as unknown as PaymentSnapshot;
    },

    async abandonPending(input) {
      return (await runRecordedOperation(
        db,
        {
          sessionId: input.sessionId,
          reference: input.reference,
          kind: 'cancel',
          idempotencyKey: `${input.sessionId}-abandon`,
          amount: null,
          request: { transactionOnly: true },
        },
        async (_request, idempotencyKey) =>
          snapshot(await cancelPayment(client, { reference: input.reference, idempotencyKey, transactionOnly: true })),
      )) as unknown as PaymentSnapshot;
    },

    async refund(input) {
      return (await runRecordedOperation(
        db,
        {
          sessionId: input.sessionId,
          reference: input.reference,
          kind: 'refund',
          idempotencyKey: `${input.sessionId}-refund-${input.refundNumber}`,
          amount: input.amount,
          request: { amount: input.amount, currency: input.currency },
        },
        async (request, idempotencyKey) =>
          snapshot(
            await refundPayment(client, {
              reference: input.reference,
              idempotencyKey,
              amount: Number(request.amount),
              currency: String(request.currency),
            }),
          ),
      )) as unknown as PaymentSnapshot;
    },

    postReceipt: (reference, receipt) => postReceipt(client, reference, receipt),
  };
}
