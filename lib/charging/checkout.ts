import { eq } from 'drizzle-orm';
import { crashPoint } from '@/lib/crash-points';
import { chargingSessions, type ChargingSessionRow } from '@/lib/db/schema';
import { enqueueJob } from '@/lib/jobs/queue';
import { errorMessage } from '@/lib/logger';
import { PaymentOperationRejected } from '@/lib/payments/operations';
import { availabilityMessage, connectorAvailability } from './availability';
import { dispatchDeps, type ChargingDeps } from './deps';
import { SessionJob, dispatch } from './dispatch';
import { hashSessionToken, newIdTag, newPaymentReference, sessionTokenFor } from './identifiers';
import { getChargerWithTariff, getLatestPendingSessionOnConnector, getLiveSessionOnConnector, getSessionById } from './queries';
import { hitRateLimit } from './rate-limit';
import { checkReservationAmount } from './reservation';
import type { Currency } from '@/lib/pricing/tariff';

/**
 * The driver taps "Pay": a session is created with the tariff copied in,
 * a Vipps reservation is created for the amount the driver picked, and the
 * browser is sent to the wallet. The checkout id comes from the page, so a
 * double tap or a resubmitted form finds the same session and the same
 * payment instead of reserving twice.
 */

export type CheckoutFailure =
  | 'unknown-charger'
  | 'unknown-connector'
  | 'charger-offline'
  | 'charger-unavailable'
  | 'occupied'
  | 'invalid-amount'
  | 'rate-limited'
  | 'payment-failed';

export type CheckoutResult =
  | { ok: true; sessionId: string; redirectUrl: string; token: string }
  | { ok: false; failure: CheckoutFailure; message: string };

export interface CheckoutInput {
  /** A UUID generated when the charger page was rendered: the checkout's idempotency key. */
  checkoutId: string;
  chargerId: string;
  connectorId: number;
  amount: number;
  /** Who is paying, as far as we can tell (the client's address); payments per client are rate-limited. */
  clientKey?: string;
}

const fail = (failure: CheckoutFailure, message: string): CheckoutResult => ({ ok: false, failure, message });

export function sessionUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl}/s/${token}`;
}

export function paymentDescription(chargerId: string, at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  // "Charging at DEMO-1, 23 Nov 2026 14:02" (3–100 characters, as Vipps requires)
  return `Charging at ${chargerId}, ${part('day')} ${part('month')} ${part('year')} ${part('hour')}:${part('minute')}`.slice(0, 100);
}

export async function startCheckout(deps: ChargingDeps, input: CheckoutInput): Promise<CheckoutResult> {
  const token = sessionTokenFor(deps.sessionTokenKey, input.checkoutId);
  const existing = await getSessionById(deps.db, input.checkoutId);
  const early = existing ? resumeCheckout(existing, input, token) : await openSession(deps, input, token);
  if (early) return early;

  const session = await getSessionById(deps.db, input.checkoutId);
  if (!session) throw new Error('the checkout session could not be stored');
  crashPoint('checkout.session-stored');
  // Polling starts whatever happens next: it also cleans up after a create that never got an answer.
  await enqueueJob(
    deps.db,
    SessionJob.pollPayment,
    { sessionId: session.id },
    {
      runAt: new Date(deps.clock.now().getTime() + deps.settings.paymentPollFirstSeconds * 1000),
      dedupeKey: `${SessionJob.pollPayment}:${session.id}`,
    },
  );
  return reserve(deps, session, token);
}

/** The same checkout again (a double tap, a resubmitted form): the same payment, never a second one. */
function resumeCheckout(existing: ChargingSessionRow, input: CheckoutInput, token: string): CheckoutResult | undefined {
  if (existing.chargerId !== input.chargerId) return fail('unknown-charger', 'This checkout belongs to another charger.');
  if (existing.state !== 'PAYMENT_PENDING') return fail('occupied', 'This payment has already been used. Reload the page to start a new one.');
  if (existing.redirectUrl) return { ok: true, sessionId: existing.id, redirectUrl: existing.redirectUrl, token };
  // Created, but the reservation never got an answer: ask Vipps again with the same key.
  return undefined;
}

/** Checks that the driver may pay here now, and stores the session with the tariff copied in. */
async function openSession(deps: ChargingDeps, input: CheckoutInput, token: string): Promise<CheckoutResult | undefined> {
  const { db, clock, settings } = deps;
  const found = await getChargerWithTariff(db, input.chargerId);
  if (!found) return fail('unknown-charger', `There is no charger called ${input.chargerId}.`);
  const { charger, site, tariff, tariffVersionId, tariffHash } = found;
  const connector = found.connectors.find((c) => c.connectorId === input.connectorId);
  if (!connector && found.connectors.length > 0) return fail('unknown-connector', 'That connector does not exist.');

  const amountProblem = checkReservationAmount(tariff.currency, input.amount);
  if (amountProblem) return fail('invalid-amount', amountProblem);

  const now = clock.now();
  const [live, pending] = await Promise.all([
    getLiveSessionOnConnector(db, charger.id, input.connectorId),
    getLatestPendingSessionOnConnector(db, charger.id, input.connectorId),
  ]);
  const availability = connectorAvailability({
    charger,
    connector,
    liveSession: live,
    pendingSession: pending,
    now,
    pendingHoldSeconds: settings.pendingHoldSeconds,
  });
  if (availability.kind !== 'available') {
    const failure =
      availability.kind === 'offline' ? 'charger-offline' : availability.kind === 'unavailable' ? 'charger-unavailable' : 'occupied';
    return fail(failure, availabilityMessage(availability));
  }
  if (input.clientKey) {
    const limit = await hitRateLimit(db, {
      key: `checkout:${input.clientKey}`,
      limit: settings.checkoutRateLimit,
      windowSeconds: settings.checkoutRateWindowSeconds,
      now,
    });
    if (!limit.allowed) {
      return fail('rate-limited', `Too many payments started from this device. Try again in ${Math.ceil(limit.retryAfterSeconds / 60)} min.`);
    }
  }
  await db
    .insert(chargingSessions)
    .values({
      id: input.checkoutId,
      chargerId: charger.id,
      connectorId: input.connectorId,
      state: 'PAYMENT_PENDING',
      tokenHash: hashSessionToken(token),
      reference: newPaymentReference(),
      idTag: newIdTag(),
      currency: tariff.currency,
      reservedAmount: input.amount,
      tariffVersionId,
      tariff,
      tariffHash,
      paymentDescription: paymentDescription(charger.id, now, site.timeZone),
      createdAt: now,
      updatedAt: now,
    })
    // A concurrent double submit inserts the same id: the second insert is a no-op.
    .onConflictDoNothing();
  return undefined;
}

/** Creates (or, with the same Idempotency-Key, finds again) the Vipps reservation for the session. */
async function reserve(deps: ChargingDeps, session: ChargingSessionRow, token: string): Promise<CheckoutResult> {
  let redirectUrl: string;
  try {
    ({ redirectUrl } = await deps.payments.createReservation({
      sessionId: session.id,
      reference: session.reference,
      amount: session.reservedAmount,
      currency: session.currency as Currency,
      description: session.paymentDescription,
      // Vipps may return the driver to another browser than the one that paid: the link itself carries the token.
      returnUrl: sessionUrl(deps.settings.publicBaseUrl, token),
    }));
  } catch (error) {
    deps.logger.error('creating the Vipps payment failed', { sessionId: session.id, error: errorMessage(error) });
    if (error instanceof PaymentOperationRejected) {
      await dispatch(dispatchDeps(deps), session.id, { type: 'PAYMENT_NOT_AUTHORIZED', paymentState: 'TERMINATED' });
    }
    return fail('payment-failed', 'Vipps MobilePay could not start the payment. Nothing has been charged; please try again.');
  }
  await deps.db
    .update(chargingSessions)
    .set({ redirectUrl, updatedAt: deps.clock.now() })
    .where(eq(chargingSessions.id, session.id));
  return { ok: true, sessionId: session.id, redirectUrl, token };
}
