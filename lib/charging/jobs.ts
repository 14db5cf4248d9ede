import { and, asc, eq } from 'drizzle-orm';
import { ChargerOfflineError } from '@/lib/chargers/charger-control';
import { getStoredConfiguration } from '@/lib/chargers/ocpp/configuration-probe';
import { chargers, chargingSessions, meterSamples, sessionEvents, type ChargingSessionRow } from '@/lib/db/schema';
import type { JobHandler } from '@/lib/jobs/worker';
import { PaymentOperationRejected } from '@/lib/payments/operations';
import { VippsErrorCode } from '@/lib/payments/vipps/errors';
import { buildReceipt, receiptProblems } from '@/lib/payments/vipps/receipts';
import type { SessionPrice } from '@/lib/pricing/price-session';
import { dispatchDeps, type ChargingDeps } from './deps';
import { SessionJob, dispatch } from './dispatch';
import { enforceBudget } from './budget-check';
import { applyPaymentSnapshot, syncPayment } from './payment-sync';
import { getSessionById, getSessionByReference } from './queries';
import { settle } from './settlement';

/**
 * The durable side effects of a session. Each handler re-reads the session
 * and does nothing if the state has moved on, so a job that runs twice (a
 * crash after the work but before it was marked done) is harmless; money
 * calls are idempotent through their recorded keys.
 */

type Currency = 'NOK' | 'DKK' | 'EUR';

/** Added to a charger's own ConnectionTimeOut before the engine gives up on a start. */
const START_MARGIN_SECONDS = 60;

/** How often to ask Vipps while a payment is open: every 2 s while the driver waits, then less often. */
export function nextPollDelaySeconds(ageSeconds: number, intervalSeconds: number): number | undefined {
  if (ageSeconds < 3 * 60) return intervalSeconds;
  if (ageSeconds < 15 * 60) return 15;
  if (ageSeconds < 60 * 60) return 60;
  return undefined;
}

export function createSessionJobHandlers(deps: ChargingDeps): Record<string, JobHandler> {
  const { db, clock, logger, payments, chargers: chargerControl } = deps;
  const toSession = (id: string, event: Parameters<typeof dispatch>[2]) => dispatch(dispatchDeps(deps), id, event);

  /** When an event was applied to the session (on the engine's clock). */
  async function eventTime(sessionId: string, type: string): Promise<Date | undefined> {
    const [row] = await db
      .select({ at: sessionEvents.createdAt })
      .from(sessionEvents)
      .where(and(eq(sessionEvents.sessionId, sessionId), eq(sessionEvents.type, type), eq(sessionEvents.applied, true)))
      .limit(1);
    return row?.at;
  }

  async function load(payload: Record<string, unknown>): Promise<ChargingSessionRow | undefined> {
    const session = await getSessionById(db, String(payload.sessionId));
    if (!session) logger.warn('job for an unknown session', { payload });
    return session;
  }

  return {
    async [SessionJob.pollPayment](payload) {
      const session = await load(payload);
      if (!session || session.state !== 'PAYMENT_PENDING') return;
      const payment = await syncPayment(deps, session);
      if (payment && payment.state !== 'CREATED') return;
      const ageSeconds = (clock.now().getTime() - session.createdAt.getTime()) / 1000;
      const delay = nextPollDelaySeconds(ageSeconds, deps.settings.paymentPollIntervalSeconds);
      if (delay === undefined) {
        // Vipps expires an unapproved payment after 10 minutes; an hour of silence means it never existed.
        if (!payment) await toSession(session.id, { type: 'PAYMENT_NOT_AUTHORIZED', paymentState: 'TERMINATED' });
        else logger.error('payment is still CREATED an hour after it was made', { reference: session.reference });
        return;
      }
      return { rescheduleAt: new Date(clock.now().getTime() + delay * 1000) };
    },

    async [SessionJob.syncPayment](payload) {
      const session = await getSessionByReference(db, String(payload.reference));
      if (!session) return;
      await syncPayment(deps, session);
    },

    async [SessionJob.startCharger](payload) {
      const session = await load(payload);
      if (!session || session.state !== 'AUTHORIZED') return;
      const answer = await chargerControl.remoteStart({
        chargerId: session.chargerId,
        connectorId: session.connectorId,
        idTag: session.idTag,
      });
      if (answer === 'Accepted') await toSession(session.id, { type: 'START_ACCEPTED' });
      else await toSession(session.id, { type: 'START_FAILED', reason: 'The charger refused to start' });
    },

    async [SessionJob.startTimeout](payload) {
      const session = await load(payload);
      if (!session || (session.state !== 'AUTHORIZED' && session.state !== 'STARTING')) return;
      // A charger that waits longer for the cable (its ConnectionTimeOut) gets that long, plus a margin.
      const configured = Number(
        (await getStoredConfiguration(db, session.chargerId, ['ConnectionTimeOut'])).get('ConnectionTimeOut'),
      );
      if (Number.isInteger(configured) && configured + START_MARGIN_SECONDS > deps.settings.startTimeoutSeconds) {
        const authorizedAt = await eventTime(session.id, 'PAYMENT_AUTHORIZED');
        const deadline = new Date((authorizedAt ?? clock.now()).getTime() + (configured + START_MARGIN_SECONDS) * 1000);
        if (deadline > clock.now()) return { rescheduleAt: deadline };
      }
      await toSession(session.id, {
        type: 'START_FAILED',
        reason: chargerControl.isConnected(session.chargerId)
          ? 'Charging did not start in time. Is the cable plugged in?'
          : 'The charger went offline before charging started',
      });
    },

    async [SessionJob.stopCharger](payload) {
      const session = await load(payload);
      if (!session || session.state !== 'STOPPING' || session.transactionId === null) return;
      try {
        const answer = await chargerControl.remoteStop({ chargerId: session.chargerId, transactionId: session.transactionId });
        // Accepted: the StopTransaction that follows settles the session.
        if (answer === 'Accepted') return;
        logger.warn('charger refused RemoteStopTransaction; trying again', { sessionId: session.id });
      } catch (error) {
        // Offline: the charger keeps its StopTransaction queued; ask again when it is back.
        if (!(error instanceof ChargerOfflineError)) throw error;
      }
      return { rescheduleAt: new Date(clock.now().getTime() + 30_000) };
    },

    async [SessionJob.budgetWatch](payload) {
      const session = await load(payload);
      if (!session || session.state !== 'CHARGING') return;
      if ((await enforceBudget(deps, session)) === 'stopping') return;
      return { rescheduleAt: new Date(clock.now().getTime() + deps.settings.budgetWatchIntervalSeconds * 1000) };
    },

    async [SessionJob.stopDeadline](payload) {
      const session = await load(payload);
      if (!session || session.state !== 'STOPPING' || session.meterStartWh === null) return;
      logger.warn('no StopTransaction within the deadline; settling on the last meter reading', { sessionId: session.id });
      await toSession(session.id, {
        type: 'TRANSACTION_LOST',
        lastRegisterWh: session.meterLastWh ?? session.meterStartWh,
        at: (session.meterLastAt ?? session.startedAt ?? clock.now()).toISOString(),
        reason: 'The charger never confirmed the stop',
      });
    },

    async [SessionJob.settle](payload) {
      const session = await load(payload);
      if (!session || session.state !== 'STOPPED') return;
      // The price is computed once and kept: a retry captures exactly what the first attempt meant to.
      let price = session.price as SessionPrice | null;
      if (!price) {
        const [charger] = await db.select({ maxPowerW: chargers.maxPowerW }).from(chargers).where(eq(chargers.id, session.chargerId));
        const samples =
          session.transactionId === null
            ? []
            : await db
                .select({
                  at: meterSamples.sampledAt,
                  energyWh: meterSamples.energyWh,
                  powerW: meterSamples.powerW,
                  context: meterSamples.context,
                })
                .from(meterSamples)
                .where(and(eq(meterSamples.chargerId, session.chargerId), eq(meterSamples.transactionId, session.transactionId)))
                .orderBy(asc(meterSamples.sampledAt));
        const settlement = settle(session, samples, charger?.maxPowerW ?? 22_000);
        if (settlement.kind === 'review') {
          await toSession(session.id, { type: 'REVIEW_NEEDED', reason: settlement.reason });
          return;
        }
        price = settlement.price;
        await db
          .update(chargingSessions)
          .set({ price, energyWh: settlement.usage.energyWh, overrunAmount: settlement.overrunAmount, updatedAt: clock.now() })
          .where(eq(chargingSessions.id, session.id));
      }
      if (price.total <= 0) {
        await toSession(session.id, { type: 'CAPTURED', capturedAmount: 0 });
        return;
      }
      const payment = await payments.capture({
        sessionId: session.id,
        reference: session.reference,
        amount: price.total,
        currency: session.currency as Currency,
      });
      await toSession(session.id, { type: 'CAPTURED', capturedAmount: payment.captured });
    },

    async [SessionJob.releaseReservation](payload) {
      const session = await load(payload);
      if (!session) return;
      let cancelled: number;
      try {
        cancelled = (await payments.cancelRest({ sessionId: session.id, reference: session.reference })).cancelled;
      } catch (error) {
        const nothingLeft =
          error instanceof PaymentOperationRejected &&
          (error.errorCode === VippsErrorCode.cannotCancelCaptured || error.errorCode === VippsErrorCode.cancelNotReserved);
        if (!nothingLeft) throw error;
        // Fully captured, or already released: read what Vipps holds and record it.
        cancelled = (await payments.getPayment(session.reference)).cancelled;
      }
      await toSession(session.id, { type: 'RESERVATION_RELEASED', cancelledAmount: cancelled });
    },

    async [SessionJob.abandonPayment](payload) {
      const session = await load(payload);
      if (!session) return;
      try {
        const payment = await payments.abandonPending({ sessionId: session.id, reference: session.reference });
        await applyPaymentSnapshot(deps, session, payment);
      } catch (error) {
        const approvedMeanwhile =
          error instanceof PaymentOperationRejected &&
          (error.errorCode === VippsErrorCode.cannotCancelAuthorized || error.errorCode === VippsErrorCode.cancelNotReserved);
        if (!approvedMeanwhile && !(error instanceof PaymentOperationRejected && error.status === 404)) throw error;
        // Approved (or ended) just before our cancel: whatever it is now, apply it; an approval gets released.
        await syncPayment(deps, session);
      }
    },

    async [SessionJob.postReceipt](payload) {
      const session = await load(payload);
      if (!session || session.state !== 'SETTLED' || !session.price) return;
      const [charger] = await db.select().from(chargers).where(eq(chargers.id, session.chargerId));
      const receipt = buildReceipt(session.price, {
        chargerId: session.chargerId,
        chargerName: charger?.name ?? session.chargerId,
        reference: session.reference,
      });
      // Receipts are write-once: one that does not add up to what was captured is never sent.
      const problems = receiptProblems(receipt, session.capturedAmount);
      if (problems.length > 0) throw new Error(`the receipt does not add up: ${problems.join('; ')}`);
      await payments.postReceipt(session.reference, receipt);
      await toSession(session.id, { type: 'RECEIPT_POSTED' });
    },
  };
}
