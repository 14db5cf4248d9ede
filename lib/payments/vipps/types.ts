import { z } from 'zod';

/**
 * The Vipps MobilePay shapes this product reads, parsed with zod at the
 * boundary so nothing above this folder sees raw provider JSON. Field names
 * follow the ePayment v1 spec.
 */

export const amountSchema = z.object({
  currency: z.enum(['NOK', 'DKK', 'EUR']),
  value: z.number().int().min(0),
});
export type VippsAmount = z.infer<typeof amountSchema>;

export const paymentStates = ['CREATED', 'AUTHORIZED', 'ABORTED', 'EXPIRED', 'TERMINATED'] as const;
export type PaymentState = (typeof paymentStates)[number];

export const aggregateSchema = z.object({
  authorizedAmount: amountSchema,
  cancelledAmount: amountSchema,
  capturedAmount: amountSchema,
  refundedAmount: amountSchema,
});

export const getPaymentResponseSchema = z.object({
  reference: z.string(),
  state: z.enum(paymentStates),
  amount: amountSchema,
  aggregate: aggregateSchema,
  pspReference: z.string(),
  paymentMethod: z.object({ type: z.string() }).partial().optional(),
});
export type GetPaymentResponse = z.infer<typeof getPaymentResponseSchema>;

export const modificationResponseSchema = z.object({
  reference: z.string(),
  state: z.enum(paymentStates),
  amount: amountSchema,
  aggregate: aggregateSchema,
  pspReference: z.string(),
});
export type ModificationResponse = z.infer<typeof modificationResponseSchema>;

export const createPaymentResponseSchema = z.object({
  redirectUrl: z.string().optional(),
  reference: z.string(),
});

export const webhookEventNames = [
  'CREATED',
  'ABORTED',
  'EXPIRED',
  'CANCELLED',
  'CAPTURED',
  'REFUNDED',
  'AUTHORIZED',
  'TERMINATED',
] as const;

export type PaymentEventName = (typeof webhookEventNames)[number];

/** One entry of GET /epayment/v1/payments/{reference}/events: the authoritative history. */
export const paymentEventSchema = z.object({
  reference: z.string(),
  pspReference: z.string(),
  name: z.enum(webhookEventNames),
  amount: amountSchema,
  timestamp: z.string(),
  idempotencyKey: z.string().nullable().optional(),
  success: z.boolean(),
});
export const paymentEventLogSchema = z.array(paymentEventSchema);

/**
 * The ePayment webhook payload. Parsed leniently (fields Vipps adds later,
 * such as `captureGuaranteedUntil`, pass through): a signed delivery we
 * cannot use is still answered 2xx, because a non-2xx blocks every later
 * event for that payment.
 */
export const webhookEventSchema = paymentEventSchema.extend({ msn: z.string() }).passthrough();
export type WebhookEvent = z.infer<typeof webhookEventSchema>;

/** The least a delivery must carry to be recorded and de-duplicated. */
export const webhookEnvelopeSchema = z
  .object({ reference: z.string().min(1), name: z.string().min(1), pspReference: z.string().min(1) })
  .passthrough();

export interface PaymentEventRecord {
  name: PaymentEventName;
  /** For CANCELLED after a partial capture: the released remainder. */
  amount: number;
  currency: VippsAmount['currency'];
  pspReference: string;
  idempotencyKey: string | null;
  success: boolean;
  timestamp: Date;
}

export function toPaymentEventRecords(events: z.infer<typeof paymentEventLogSchema>): PaymentEventRecord[] {
  return events.map((e) => ({
    name: e.name,
    amount: e.amount.value,
    currency: e.amount.currency,
    pspReference: e.pspReference,
    idempotencyKey: e.idempotencyKey ?? null,
    success: e.success,
    timestamp: new Date(e.timestamp),
  }));
}

/** The ePayment events this product registers for. */
export const EPAYMENT_WEBHOOK_EVENTS = [
  'epayments.payment.authorized.v1',
  'epayments.payment.aborted.v1',
  'epayments.payment.expired.v1',
  'epayments.payment.terminated.v1',
  'epayments.payment.captured.v1',
  'epayments.payment.cancelled.v1',
  'epayments.payment.refunded.v1',
] as const;

/** RFC 7807 problem JSON as Vipps sends it; ErrorCode is in extraDetails. */
export const problemSchema = z
  .object({
    type: z.string().optional(),
    title: z.string().optional(),
    detail: z.string().optional(),
    status: z.number().optional(),
    traceId: z.string().optional(),
    instance: z.string().optional(),
    extraDetails: z
      .array(z.object({ name: z.string(), reason: z.string().nullable().optional() }))
      .nullable()
      .optional(),
  })
  .passthrough();
export type Problem = z.infer<typeof problemSchema>;

/** Our summary of a payment, in minor units. */
export interface PaymentSnapshot {
  reference: string;
  state: PaymentState;
  currency: 'NOK' | 'DKK' | 'EUR';
  amount: number;
  authorized: number;
  captured: number;
  cancelled: number;
  refunded: number;
}

export function toPaymentSnapshot(payment: GetPaymentResponse | ModificationResponse): PaymentSnapshot {
  return {
    reference: payment.reference,
    state: payment.state,
    currency: payment.amount.currency,
    amount: payment.amount.value,
    authorized: payment.aggregate.authorizedAmount.value,
    captured: payment.aggregate.capturedAmount.value,
    cancelled: payment.aggregate.cancelledAmount.value,
    refunded: payment.aggregate.refundedAmount.value,
  };
}

/** POST /accesstoken/get: every value is a string ("3600", epoch seconds). */
export const accessTokenResponseSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().int().positive(),
  expires_on: z.coerce.number().int().positive().optional(),
});

export const webhookListSchema = z.object({
  webhooks: z.array(z.object({ id: z.string(), url: z.string(), events: z.array(z.string()).default([]) })).default([]),
});
export const webhookRegisteredSchema = z.object({ id: z.string().min(1), secret: z.string().min(1) });

/** QR API merchant-redirect answer; `url` is the image link, or the QR content for text/targetUrl. */
export const merchantRedirectQrSchema = z.object({
  id: z.string(),
  url: z.string(),
  redirectUrl: z.string(),
  /** Seconds left; -1 = never expires. */
  expiresIn: z.number().int(),
});
export type MerchantRedirectQr = z.infer<typeof merchantRedirectQrSchema>;
