import { z } from 'zod';
import { parseUrl } from './urls';
import { problem, type EmulatorResponse } from './problems';

/**
 * What ePayment's create accepts, as the spec and the test environment
 * document it, checked in the order a client is most likely to learn from.
 */

export const PAYMENT_LIFETIME_MS = 10 * 60 * 1000;
const MINIMUM_AMOUNT = { NOK: 100, DKK: 1, EUR: 1 } as const;
const MAXIMUM_AMOUNT = 65_000_000;
/** The 2024 spec's pattern; the 2026 docs allow 64 characters, the emulator keeps the stricter one. */
const REFERENCE_PATTERN = /^[a-zA-Z0-9-]{8,50}$/;

const amountBody = z.object({ currency: z.string(), value: z.number() });

export const createPaymentBody = z.object({
  amount: amountBody,
  paymentMethod: z.object({ type: z.string() }),
  reference: z.string(),
  userFlow: z.enum(['WEB_REDIRECT', 'NATIVE_REDIRECT', 'PUSH_MESSAGE', 'QR']),
  returnUrl: z.string().optional(),
  customerInteraction: z.enum(['CUSTOMER_PRESENT', 'CUSTOMER_NOT_PRESENT']).optional(),
  paymentDescription: z.string().optional(),
  customer: z.record(z.string(), z.unknown()).optional(),
  metadata: z.record(z.string(), z.string()).nullable().optional(),
  expiresAt: z.string().nullable().optional(),
});
export type CreatePaymentBody = z.infer<typeof createPaymentBody>;

export const modificationBody = z.object({ modificationAmount: amountBody });

export function isAllowedReturnUrl(value: string): boolean {
  const url = parseUrl(value);
  if (!url) return false;
  if (url.protocol === 'https:') return true;
  // The one documented allowance: http on localhost, for local development.
  if (url.protocol === 'http:') return url.hostname === 'localhost';
  // Custom app schemes (myapp://) are allowed for native flows.
  return !['javascript:', 'data:', 'file:', 'ftp:'].includes(url.protocol);
}

/** The first reason Vipps would refuse this create (other than a reference that exists), or undefined. */
export function createPaymentProblem(body: CreatePaymentBody, salesUnitCurrency: string): EmulatorResponse | undefined {
  if (!REFERENCE_PATTERN.test(body.reference)) {
    return problem(400, 'Invalid reference: must match ^[a-zA-Z0-9-]{8,50}$', 4140);
  }
  const { currency, value } = body.amount;
  if (!['NOK', 'DKK', 'EUR'].includes(currency)) return problem(400, 'Invalid currency', 4040);
  if (currency !== salesUnitCurrency) return problem(400, 'Currency is not supported for this sales unit', 5040);
  if (!Number.isInteger(value)) return problem(400, 'Amount must be an integer in minor units', 4040);
  if (value > MAXIMUM_AMOUNT) return problem(400, 'Amount is too large', 4040);
  if (value < MINIMUM_AMOUNT[currency as keyof typeof MINIMUM_AMOUNT]) return problem(400, 'Amount is below the minimum', 6010);
  // CARD is not available in the test environment, which is what the emulator stands in for.
  if (body.paymentMethod.type !== 'WALLET') return problem(400, 'Payment method is not available in this environment', 4140);
  if (body.userFlow === 'WEB_REDIRECT' || body.userFlow === 'NATIVE_REDIRECT') {
    if (!body.returnUrl) return problem(400, 'returnUrl is required for this userFlow', 4140);
    if (!isAllowedReturnUrl(body.returnUrl)) return problem(400, 'Invalid returnUrl', 4090);
  }
  if (body.userFlow === 'PUSH_MESSAGE' && !body.customer) return problem(400, 'customer is required for PUSH_MESSAGE', 4140);
  if (body.expiresAt && body.userFlow !== 'PUSH_MESSAGE' && body.userFlow !== 'QR') {
    return problem(400, 'expiresAt is only allowed with the PUSH_MESSAGE and QR user flows', 4140);
  }
  const description = body.paymentDescription;
  if (description !== undefined && (description.length < 3 || description.length > 100)) {
    return problem(400, 'paymentDescription must be 3 to 100 characters', 4140);
  }
  if (body.metadata) {
    const entries = Object.entries(body.metadata);
    if (entries.length > 5) return problem(400, 'Too many metadata entries', 4100);
    if (entries.some(([key, v]) => key.length > 100 || v.length > 500)) {
      return problem(400, 'Metadata keys are at most 100 and values at most 500 characters', 4100);
    }
  }
  return undefined;
}
