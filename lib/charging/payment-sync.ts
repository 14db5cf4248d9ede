import type { ChargingSessionRow } from '@/lib/db/schema';
import { isVippsError } from '@/lib/payments/vipps/errors';
import type { PaymentSnapshot } from '@/lib/payments/vipps/types';
import { dispatchDeps, type ChargingDeps } from './deps';
import { dispatch, type DispatchResult } from './dispatch';

/**
 * Webhooks and polling both end here: whatever told us something changed,
 * the payment is read again from Vipps (GET is the truth) and its state
 * offered to the session. Both paths agree because they read the same thing.
 */

export async function applyPaymentSnapshot(
  deps: ChargingDeps,
  session: ChargingSessionRow,
  payment: PaymentSnapshot,
): Promise<DispatchResult | undefined> {
  switch (payment.state) {
    case 'AUTHORIZED':
      return dispatch(dispatchDeps(deps), session.id, {
        type: 'PAYMENT_AUTHORIZED',
        authorizedAmount: payment.authorized,
        connectorFree: true,
      });
    case 'ABORTED':
    case 'EXPIRED':
    case 'TERMINATED':
      return dispatch(dispatchDeps(deps), session.id, { type: 'PAYMENT_NOT_AUTHORIZED', paymentState: payment.state });
    case 'CREATED':
      return undefined;
  }
}

/** Reads the payment and applies it; undefined when Vipps does not know the reference (yet). */
export async function syncPayment(deps: ChargingDeps, session: ChargingSessionRow): Promise<PaymentSnapshot | undefined> {
  let payment: PaymentSnapshot;
  try {
    payment = await deps.payments.getPayment(session.reference);
  } catch (error) {
    if (isVippsError(error, 404)) return undefined;
    throw error;
  }
  await applyPaymentSnapshot(deps, session, payment);
  return payment;
}
