import type {
  CaptureModificationRequest,
  CreatePaymentRequest,
  ForceApprove,
  RefundModificationRequest,
} from '@vippsmobilepay/sdk';
import type { VippsClient } from './client';
import {
  createPaymentResponseSchema,
  getPaymentResponseSchema,
  modificationResponseSchema,
  paymentEventLogSchema,
  toPaymentEventRecords,
  toPaymentSnapshot,
  type PaymentEventRecord,
  type PaymentSnapshot,
} from './types';

/**
 * ePayment v1: https://developer.vippsmobilepay.com/api/epayment
 * Request bodies are typed with the SDK's generated types; answers are
 * parsed with zod so nothing above this folder sees raw provider JSON.
 */

export type Currency = 'NOK' | 'DKK' | 'EUR';

export interface CreateReservationInput {
  reference: string;
  idempotencyKey: string;
  amount: number;
  currency: Currency;
  description: string;
  returnUrl: string;
}

const paymentPath = (reference: string) => `/epayment/v1/payments/${encodeURIComponent(reference)}`;

/** A WALLET reservation for a driver standing at the charger (WEB_REDIRECT, CUSTOMER_PRESENT). */
export async function createReservation(client: VippsClient, input: CreateReservationInput): Promise<{ redirectUrl: string }> {
  const body: CreatePaymentRequest = {
    amount: { currency: input.currency, value: input.amount },
    paymentMethod: { type: 'WALLET' },
    reference: input.reference,
    userFlow: 'WEB_REDIRECT',
    customerInteraction: 'CUSTOMER_PRESENT',
    returnUrl: input.returnUrl,
    paymentDescription: input.description,
  };
  const response = await client.request({
    operation: 'create payment',
    method: 'POST',
    path: '/epayment/v1/payments',
    idempotencyKey: input.idempotencyKey,
    body,
  });
  const parsed = createPaymentResponseSchema.parse(response.body);
  if (!parsed.redirectUrl) throw new Error('Vipps answered create payment without a redirectUrl');
  return { redirectUrl: parsed.redirectUrl };
}

/** GET is the truth about a payment: webhooks and polling both end here before money moves. */
export async function getPayment(client: VippsClient, reference: string): Promise<PaymentSnapshot> {
  const data = await client.sdkCall('get payment', (sdk, token) => sdk.payment.info(token, encodeURIComponent(reference)));
  return toPaymentSnapshot(getPaymentResponseSchema.parse(data));
}

/** The payment's event log, oldest first; each capture, cancel and refund is an entry with its own pspReference. */
export async function getPaymentEvents(client: VippsClient, reference: string): Promise<PaymentEventRecord[]> {
  const data = await client.sdkCall('get payment events', (sdk, token) => sdk.payment.history(token, encodeURIComponent(reference)));
  return toPaymentEventRecords(paymentEventLogSchema.parse(data));
}

export async function capturePayment(
  client: VippsClient,
  input: { reference: string; idempotencyKey: string; amount: number; currency: Currency },
): Promise<PaymentSnapshot> {
  const body: CaptureModificationRequest = { modificationAmount: { currency: input.currency, value: input.amount } };
  const response = await client.request({
    operation: 'capture',
    method: 'POST',
    path: `${paymentPath(input.reference)}/capture`,
    idempotencyKey: input.idempotencyKey,
    body,
  });
  return toPaymentSnapshot(modificationResponseSchema.parse(response.body));
}

/**
 * After the final capture a plain cancel releases everything left, once.
 * `transactionOnly` cancels only a payment that is not yet authorised (6060
 * otherwise), so abandoning a pending payment never releases a reservation
 * that was approved a moment ago. The SDK's cancel sends no body, so it
 * cannot say this; ours always sends one, so a retry carries the same body.
 */
export async function cancelPayment(
  client: VippsClient,
  input: { reference: string; idempotencyKey: string; transactionOnly: boolean },
): Promise<PaymentSnapshot> {
  const response = await client.request({
    operation: input.transactionOnly ? 'cancel (transaction only)' : 'cancel',
    method: 'POST',
    path: `${paymentPath(input.reference)}/cancel`,
    idempotencyKey: input.idempotencyKey,
    body: input.transactionOnly ? { cancelTransactionOnly: true } : {},
  });
  return toPaymentSnapshot(modificationResponseSchema.parse(response.body));
}

export async function refundPayment(
  client: VippsClient,
  input: { reference: string; idempotencyKey: string; amount: number; currency: Currency },
): Promise<PaymentSnapshot> {
  const body: RefundModificationRequest = { modificationAmount: { currency: input.currency, value: input.amount } };
  const response = await client.request({
    operation: 'refund',
    method: 'POST',
    path: `${paymentPath(input.reference)}/refund`,
    idempotencyKey: input.idempotencyKey,
    body,
  });
  return toPaymentSnapshot(modificationResponseSchema.parse(response.body));
}

/**
 * Test environment only: approves as the test user would in the app, for
 * automated tests. `token` is the one in the create answer's redirectUrl.
 */
export async function forceApprove(client: VippsClient, reference: string, approval: ForceApprove = {}): Promise<void> {
  if (client.credentials.baseUrl === 'https://api.vipps.no') {
    throw new Error('force approve exists only in the Vipps test environment');
  }
  await client.request({
    operation: 'force approve',
    method: 'POST',
    path: `/epayment/v1/test/payments/${encodeURIComponent(reference)}/approve`,
    body: approval,
  });
}
