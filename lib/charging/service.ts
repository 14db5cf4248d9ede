import type { Tx } from '@/lib/db/client';
import { enqueueJob } from '@/lib/jobs/queue';
import type { WebhookEvent } from '@/lib/payments/vipps/types';
import { getChargerPageView } from './charger-page';
import { createChargerEventSink } from './charger-events';
import { startCheckout, type CheckoutInput } from './checkout';
import { dispatchDeps, type ChargingDeps } from './deps';
import { SessionJob, dispatch } from './dispatch';
import { createSessionJobHandlers } from './jobs';
import { syncPayment } from './payment-sync';
import { getSessionByToken } from './queries';
import { getSessionViewByToken, sessionViewOf, type SessionView } from './session-view';

/** The charging engine as the app and the runtime see it. */
export function createChargingService(deps: ChargingDeps, hooks: { wakeJobs?: () => void } = {}) {
  const { db, clock } = deps;
  let lastDriverPoll = new Map<string, number>();

  return {
    startCheckout: (input: CheckoutInput) => startCheckout(deps, input),

    chargerPage: (chargerId: string, browserSessionToken: string | undefined) =>
      getChargerPageView({ db, clock, pendingHoldSeconds: deps.settings.pendingHoldSeconds }, chargerId, browserSessionToken),

    /**
     * The session as the driver's page shows it. While the driver waits for
     * the payment, this also asks Vipps (at most every poll interval), which
     * is the "every 2 s while the driver waits" of Vipps' polling guidance.
     */
    async sessionView(token: string, options: { driverIsWaiting?: boolean } = {}): Promise<SessionView | undefined> {
      let session = await getSessionByToken(db, token);
      if (!session) return undefined;
      if (options.driverIsWaiting && session.state === 'PAYMENT_PENDING') {
        const now = clock.now().getTime();
        const interval = deps.settings.paymentPollIntervalSeconds * 1000;
        const old = now - session.createdAt.getTime() >= deps.settings.paymentPollFirstSeconds * 1000;
        if (old && now - (lastDriverPoll.get(session.id) ?? 0) >= interval) {
          if (lastDriverPoll.size > 10_000) lastDriverPoll = new Map();
          lastDriverPoll.set(session.id, now);
          await syncPayment(deps, session).catch((error) => deps.logger.warn('payment poll failed', { error: String(error) }));
          session = (await getSessionByToken(db, token)) ?? session;
        }
      }
      return sessionViewOf(db, clock, session);
    },

    /** The driver presses "Stop charging" (or cancels before charging started). */
    async requestStop(token: string): Promise<{ ok: true; view: SessionView } | { ok: false; status: 404 | 409; message: string }> {
      const session = await getSessionByToken(db, token);
      if (!session) return { ok: false, status: 404, message: 'No such charging session.' };
      const result = await dispatch(dispatchDeps(deps), session.id, { type: 'STOP_REQUESTED', by: 'driver' });
      hooks.wakeJobs?.();
      const view = (await getSessionViewByToken(db, clock, token))!;
      // A second press while stopping is not an error: the session is already on its way.
      if (!result.applied && !['STOPPING', 'STOPPED', 'SETTLED', 'COMPLETED'].includes(result.state)) {
        return { ok: false, status: 409, message: `The session cannot be stopped now (${result.state}).` };
      }
      return { ok: true, view };
    },

    /**
     * An operator's decision on a session held for review (for the admin area): settle it on an energy
     * figure they chose, or waive it so nothing is captured and the whole reservation is released.
     */
    async resolveReview(sessionId: string, decision: { energyWh: number } | 'waive') {
      const event =
        decision === 'waive' ? ({ type: 'OPERATOR_RELEASED' } as const) : ({ type: 'OPERATOR_SETTLED', energyWh: decision.energyWh } as const);
      const result = await dispatch(dispatchDeps(deps), sessionId, event);
      hooks.wakeJobs?.();
      return result;
    },

    /** A verified, new Vipps webhook: re-read the payment in a job (inside the webhook's transaction). */
    async onVippsWebhookEvent(tx: Tx, event: WebhookEvent): Promise<void> {
      await enqueueJob(tx, SessionJob.syncPayment, { reference: event.reference }, { runAt: clock.now() });
    },

    jobHandlers: createSessionJobHandlers(deps),
    chargerEvents: createChargerEventSink(deps, hooks),
  };
}

export type ChargingService = ReturnType<typeof createChargingService>;
