import { and, eq, inArray, ne } from 'drizzle-orm';
import type { Clock } from '@/lib/clock';
import { crashPoint } from '@/lib/crash-points';
import type { Db, DbOrTx, Tx } from '@/lib/db/client';
import { chargingSessions, sessionEvents, type ChargingSessionRow } from '@/lib/db/schema';
import { enqueueJob } from '@/lib/jobs/queue';
import { LIVE_STATES, decide, type Effect, type SessionChanges, type SessionEvent, type SessionState } from './state-machine';

/**
 * Offers one event to one session: locks the row, asks the state machine,
 * writes the new state and facts, records the event (applied or not) and
 * enqueues the effects as durable jobs, all in one transaction. Webhooks,
 * polls, charger messages, the driver and timers all come through here, so
 * races between them resolve on the row lock.
 */

export const SessionJob = {
  pollPayment: 'session.poll-payment',
  startCharger: 'session.start-charger',
  startTimeout: 'session.start-timeout',
  budgetWatch: 'session.budget-watch',
  stopCharger: 'session.stop-charger',
  stopDeadline: 'session.stop-deadline',
  settle: 'session.settle',
  releaseReservation: 'session.release-reservation',
  abandonPayment: 'session.abandon-payment',
  postReceipt: 'session.post-receipt',
  syncPayment: 'vipps.sync-payment',
} as const;

const EFFECT_JOBS: Record<Effect, string> = {
  'start-charger': SessionJob.startCharger,
  'start-timeout': SessionJob.startTimeout,
  'budget-watch': SessionJob.budgetWatch,
  'stop-charger': SessionJob.stopCharger,
  'stop-deadline': SessionJob.stopDeadline,
  settle: SessionJob.settle,
  'release-reservation': SessionJob.releaseReservation,
  'abandon-payment': SessionJob.abandonPayment,
  'post-receipt': SessionJob.postReceipt,
};

/** Money must never be left half-moved: these jobs keep trying for days rather than give up. */
const PERSISTENT_EFFECTS = new Set<Effect>(['settle', 'release-reservation', 'abandon-payment', 'post-receipt', 'stop-charger', 'budget-watch']);

export interface DispatchDeps {
  db: Db;
  clock: Clock;
  /** Effects that run later rather than at once (timers). */
  effectDelaysSeconds: Partial<Record<Effect, number>>;
}

export interface DispatchResult {
  applied: boolean;
  state: SessionState;
  reason?: string;
}

const UNIQUE_VIOLATION = '23505';

function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === UNIQUE_VIOLATION) return true;
  }
  return false;
}

export async function dispatch(
  deps: DispatchDeps,
  sessionId: string,
  event: SessionEvent,
  options: { tx?: Tx } = {},
): Promise<DispatchResult> {
  const run = (tx: Tx) => applyEvent(deps, tx, sessionId, event, false);
  if (options.tx) return options.tx.transaction(run);
  try {
    const result = await deps.db.transaction(run);
    crashPoint(`event.${event.type}.committed`);
    return result;
  } catch (error) {
    // Two authorisations for one connector at once: the database let only one become live.
    if (event.type === 'PAYMENT_AUTHORIZED' && isUniqueViolation(error)) {
      return deps.db.transaction((tx) => applyEvent(deps, tx, sessionId, event, true));
    }
    throw error;
  }
}

async function connectorIsFree(db: DbOrTx, session: ChargingSessionRow): Promise<boolean> {
  const others = await db
    .select({ id: chargingSessions.id })
    .from(chargingSessions)
    .where(
      and(
        eq(chargingSessions.chargerId, session.chargerId),
        eq(chargingSessions.connectorId, session.connectorId),
        inArray(chargingSessions.state, [...LIVE_STATES]),
        ne(chargingSessions.id, session.id),
      ),
    )
    .limit(1);
  return others.length === 0;
}

async function applyEvent(
  deps: DispatchDeps,
  tx: Tx,
  sessionId: string,
  incoming: SessionEvent,
  connectorTaken: boolean,
): Promise<DispatchResult> {
  const now = deps.clock.now();
  const [session] = await tx.select().from(chargingSessions).where(eq(chargingSessions.id, sessionId)).for('update');
  if (!session) throw new Error(`session ${sessionId} not found`);
  const state = session.state as SessionState;

  let event = incoming;
  if (event.type === 'PAYMENT_AUTHORIZED') {
    event = { ...event, connectorFree: !connectorTaken && (await connectorIsFree(tx, session)) };
  }

  const decision = decide(
    {
      state,
      authorizedAmount: session.authorizedAmount,
      paymentState: session.paymentState,
      capturedAmount: session.capturedAmount,
      cancelledAmount: session.cancelledAmount,
      reviewReason: session.reviewReason,
    },
    event,
  );
  if (!decision.accepted) {
    await tx.insert(sessionEvents).values({
      sessionId,
      type: event.type,
      payload: event as unknown as Record<string, unknown>,
      fromState: state,
      toState: state,
      applied: false,
      note: decision.reason,
      createdAt: now,
    });
    return { applied: false, state, reason: decision.reason };
  }

  await tx
    .update(chargingSessions)
    .set({ ...columnsFor(decision.changes, now), state: decision.to, updatedAt: now })
    .where(eq(chargingSessions.id, sessionId));
  await tx.insert(sessionEvents).values({
    sessionId,
    type: event.type,
    payload: event as unknown as Record<string, unknown>,
    fromState: state,
    toState: decision.to,
    applied: true,
    createdAt: now,
  });
  for (const effect of decision.effects) {
    const runAt = new Date(now.getTime() + (deps.effectDelaysSeconds[effect] ?? 0) * 1000);
    await enqueueJob(
      tx,
      EFFECT_JOBS[effect],
      { sessionId },
      {
        runAt,
        dedupeKey: `${EFFECT_JOBS[effect]}:${sessionId}`,
        maxAttempts: PERSISTENT_EFFECTS.has(effect) ? 2000 : 25,
      },
    );
  }
  return { applied: true, state: decision.to };
}

function columnsFor(changes: SessionChanges, now: Date): Partial<typeof chargingSessions.$inferInsert> {
  const { startedAt, stoppedAt, receiptPosted, ...rest } = changes;
  return {
    ...rest,
    ...(startedAt ? { startedAt: new Date(startedAt) } : {}),
    ...(stoppedAt ? { stoppedAt: new Date(stoppedAt) } : {}),
    ...(receiptPosted ? { receiptPostedAt: now } : {}),
  };
}
