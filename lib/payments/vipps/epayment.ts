import type { VippsClient } from './client';
import { describeSdkError } from './client';
import { VippsApiError, VippsUnavailableError, parseProblem } from './errors';
import {
  createPaymentResponseSchema,
  getPaymentResponseSchema,
  modificationResponseSchema,
  toPaymentSnapshot,
  type PaymentSnapshot,
} from './types';

/** ePayment v1: https://developer.vippsmobilepay.com/api/epayment */

export interface CreateReservationInput {
  reference: string;
  idempotencyKey: string;
  amount: number;
  currency: 'NOK' | 'DKK' | 'EUR';
  description: string;
  returnUrl: string;
}

export async function createReservation(client: VippsClient, input: CreateReservationInput): Promise<{ redirectUrl: string }> {
  const response = await client.request({
    operation: 'create payment',
    method: 'POST',
    path: '/epayment/v1/payments',
    idempotencyKey: input.idempotencyKey,
    body: {
      amount: { currency: input.currency, value: input.amount },
      paymentMethod: { type: 'WALLET' },
      reference: input.reference,
      userFlow: 'WEB_REDIRECT',
      customerInteraction: 'CUSTOMER_PRESENT',
      returnUrl: input.returnUrl,
      paymentDescription: input.description,
    },
  });
  const parsed = createPaymentResponseSchema.parse(response.body);
  if (!parsed.redirectUrl) throw new Error('Vipps answered create payment without a redirectUrl');
  return { redirectUrl: parsed.redirectUrl };
}

export async function getPayment(client: VippsClient, reference: string): Promise<PaymentSnapshot> {
  const token = await client.accessToken();
  const result = await client.sdk.payment.info(token, reference);
  if (!result.ok) {
    const error = result.error as unknown;
    if (error instanceof Error) throw new VippsUnavailableError(`get payment failed: ${error.message}`);
    const status = typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 400;
    const { problem, errorCode } = parseProblem(error);
    if (status >= 500 || status === 429) throw new VippsUnavailableError(`get payment failed: ${describeSdkError(error)}`);
    throw new VippsApiError(status, errorCode, problem, 'get payment');
  }
  return toPaymentSnapshot(getPaymentResponseSchema.parse(result.data));
}

export async function capturePayment(
  client: VippsClient,
  input: { reference: string; idempotencyKey: string; amount: number; currency: string },
): Promise<PaymentSnapshot> {
  const response = await client.request({
    operation: 'capture',
    method: 'POST',
    path: `/epayment/v1/payments/${encodeURIComponent(input.reference)}/capture`,
    idempotencyKey: input.idempotencyKey,
    body: { modificationAmount: { currency: input.currency, value: input.amount } },
  });
  return toPaymentSnapshot(modificationResponseSchema.parse(response.body));
}

/**
 * After the final capture a plain cancel releases everything left, once.
 * `transactionOnly` cancels only a payment that is not yet authorised (6060
 * otherwise), so abandoning a pending payment never releases a reservation
 * that was approved a moment ago.
 */
export async function cancelPayment(
  client: VippsClient,
  input: { reference: string; idempotencyKey: string; transactionOnly: boolean },
): Promise<PaymentSnapshot> {
  const response = await client.request({
    operation: input.transactionOnly ? 'cancel (transaction only)' : 'cancel',
    method: 'POST',
    path: `/epayment/v1/payments/${encodeURIComponent(input.reference)}/cancel`,
    idempotencyKey: input.idempotencyKey,
    body: input.transactionOnly ? { cancelTransactionOnly: true } : {},
  });
  return toPaymentSnapshot(modificationResponseSchema.parse(response.body));
}

export async function refundPayment(
  client: VippsClient,
  input: { reference: string; idempotencyKey: string; amount: number; currency: string },
): Promise<PaymentSnapshot> {
  const response = await client.request({
    operation: 'refund',
    method: 'POST',
    path: `/epayment/v1/payments/${encodeURIComponent(input.reference)}/refund`,
    idempotencyKey: input.idempotencyKey,
    body: { modificationAmount: { currency: input.currency, value: input.amount } },
  });
  return toPaymentSnapshot(modificationResponseSchema.parse(response.body));
}
