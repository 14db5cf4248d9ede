import { and, eq, isNull, lte, or } from 'drizzle-orm';
import type { ChargerEventSink } from '@/lib/chargers/charger-control';
import { chargingSessions, jobs, ocppTransactions } from '@/lib/db/schema';
import { dispatchDeps, type ChargingDeps } from './deps';
import { enforceBudget } from './budget-check';
import { SessionJob, dispatch } from './dispatch';
import { getLiveSessionOnConnector, getSessionById, getSessionByIdTag, getSessionByTransaction } from './queries';

/**
 * How the charging engine reacts to what chargers report. A StartTransaction
 * is accepted only for the one-time idTag of a paid session that is waiting
 * to start on that charger; everything else gets "Invalid", so a charger
 * cannot be started without a payment.
 */
export function createChargerEventSink(deps: ChargingDeps, hooks: { wakeJobs?: () => void } = {}): ChargerEventSink {
  const { db, clock } = deps;

  return {
    async authorizeStart({ chargerId, connectorId, idTag }) {
      const session = await getSessionByIdTag(db, idTag);
      if (!session || session.chargerId !== chargerId) return 'Invalid';
      if (connectorId !== 0 && session.connectorId !== connectorId) return 'Invalid';
      if (session.state === 'AUTHORIZED' || session.state === 'STARTING') return 'Accepted';
      // The session has moved on (cancelled, timed out, or already charging under another transaction).
      return 'Invalid';
    },

    async transactionStarted(event) {
      const session = await getSessionByIdTag(db, event.idTag);
      if (!session) return;
      await db
        .update(ocppTransactions)
        .set({ sessionId: session.id })
        .where(and(eq(ocppTransactions.id, event.transactionId), isNull(ocppTransactions.sessionId)));
      await dispatch(dispatchDeps(deps), session.id, {
        type: 'TRANSACTION_STARTED',
        transactionId: event.transactionId,
        meterStartWh: event.meterStartWh,
        at: event.startedAt.toISOString(),
      });
    },

    async meterValues(event) {
      const session = await getSessionByTransaction(db, event.chargerId, event.transactionId);
      if (!session || (session.state !== 'CHARGING' && session.state !== 'STOPPING')) return;
      const latest = event.readings.at(-1)!;
      const energy = [...event.readings].reverse().find((r) => r.energyWh !== undefined)?.energyWh;
      const power = [...event.readings].reverse().find((r) => r.powerW !== undefined)?.powerW;
      // Readings can arrive late (offline queue): only a newer reading replaces the last one.
      await db
        .update(chargingSessions)
        .set({
          ...(energy !== undefined ? { meterLastWh: energy } : {}),
          ...(power !== undefined ? { powerW: power } : {}),
          meterLastAt: latest.at,
          updatedAt: clock.now(),
        })
        .where(
          and(
            eq(chargingSessions.id, session.id),
            or(isNull(chargingSessions.meterLastAt), lte(chargingSessions.meterLastAt, latest.at)),
          ),
        );
      const updated = await getSessionById(db, session.id);
      if (updated) await enforceBudget(deps, updated);
    },

    async transactionStopped(tx, event) {
      const session = await getSessionByTransaction(tx, event.chargerId, event.transactionId);
      if (!session) return;
      await dispatch(
        dispatchDeps(deps),
        session.id,
        { type: 'TRANSACTION_ENDED', meterStopWh: event.meterStopWh, at: event.stoppedAt.toISOString(), reason: event.reason },
        { tx },
      );
    },

    async connectorStatus({ chargerId, connectorId, status }) {
      // Status never sets energy or money; a fault only asks the charger to end the transaction
      // (its StopTransaction, or failing that the stop deadline, settles the session).
      if (status !== 'Faulted') return;
      const live = await getLiveSessionOnConnector(db, chargerId, connectorId);
      if (live?.state !== 'CHARGING') return;
      deps.logger.warn('the charger reports a fault while charging; stopping the session', { sessionId: live.id });
      await dispatch(dispatchDeps(deps), live.id, { type: 'STOP_REQUESTED', by: 'charger' });
      hooks.wakeJobs?.();
    },

    async transactionSuperseded({ chargerId, transactionId, supersededAt }) {
      const session = await getSessionByTransaction(db, chargerId, transactionId);
      if (!session || session.meterStartWh === null) return;
      await dispatch(dispatchDeps(deps), session.id, {
        type: 'TRANSACTION_LOST',
        lastRegisterWh: session.meterLastWh ?? session.meterStartWh,
        at: (session.meterLastAt ?? supersededAt).toISOString(),
        reason: 'The charger started a new transaction without reporting the end of this one',
      });
      hooks.wakeJobs?.();
    },

    async connectivity({ online }) {
      if (!online) return;
      // A charger that comes back gets pending stop commands at once instead of at the next retry.
      await db
        .update(jobs)
        .set({ runAt: clock.now() })
        .where(and(eq(jobs.kind, SessionJob.stopCharger), eq(jobs.status, 'pending')));
      hooks.wakeJobs?.();
    },
  };
}
