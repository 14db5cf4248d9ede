/**
 * The charging session state machine, as one table. Pure: it takes the
 * current state and an event and says what the next state is, which facts
 * to record and which side effects (durable jobs) to schedule. An event
 * that is not allowed in the current state is refused with a reason; the
 * caller records it and carries on.
 *
 *   PAYMENT_PENDING ─authorised─▶ AUTHORIZED ─start accepted─▶ STARTING ─transaction started─▶ CHARGING
 *        │                            │  start failed / timeout      │                              │ stop (driver,
 *        ▼ aborted/expired            ▼                              ▼                              ▼ budget, charger)
 *    CANCELLED                      FAILED ◀─────────────────────────┘                          STOPPING
 *                                                                                                  │ transaction ended
 *   COMPLETED ◀─receipt posted─ SETTLED ◀─rest released─ STOPPED ◀──────────────────────────────────┘
 *                                                          │ meter anomaly             (or no StopTransaction
 *                                                          ▼                            within the deadline:
 *                                                   REVIEW_REQUIRED ─operator─▶ STOPPED  settled on the last
 *                                                                                        reading, then review)
 *   A transaction that is lost (no StopTransaction by the deadline, or another transaction started on the
 *   connector) goes from CHARGING/STOPPING to STOPPED on its last reading and ends in review.
 */

export const SESSION_STATES = [
  'PAYMENT_PENDING',
  'AUTHORIZED',
  'STARTING',
  'CHARGING',
  'STOPPING',
  'STOPPED',
  'SETTLED',
  'COMPLETED',
  'CANCELLED',
  'FAILED',
  'REVIEW_REQUIRED',
] as const;
export type SessionState = (typeof SESSION_STATES)[number];

/** States where the session owns its connector (mirrored by a partial unique index in the database). */
export const LIVE_STATES: readonly SessionState[] = ['AUTHORIZED', 'STARTING', 'CHARGING', 'STOPPING'];
/** States after which nothing more happens by itself. */
export const FINAL_STATES: readonly SessionState[] = ['COMPLETED', 'CANCELLED', 'FAILED', 'REVIEW_REQUIRED'];

export type StopCause = 'driver' | 'charger' | 'budget' | 'operator' | 'timeout';

export type SessionEvent =
  | { type: 'PAYMENT_AUTHORIZED'; authorizedAmount: number; connectorFree: boolean }
  | { type: 'PAYMENT_NOT_AUTHORIZED'; paymentState: 'ABORTED' | 'EXPIRED' | 'TERMINATED' }
  | { type: 'START_ACCEPTED' }
  | { type: 'START_FAILED'; reason: string }
  | { type: 'TRANSACTION_STARTED'; transactionId: number; meterStartWh: number; at: string }
  | { type: 'STOP_REQUESTED'; by: StopCause }
  | { type: 'TRANSACTION_ENDED'; meterStopWh: number; at: string; reason: string }
  /**
   * The transaction ended without a StopTransaction we can use (none within the deadline, or the charger
   * started another one on the connector): settle on the last register reading, and flag for review.
   */
  | { type: 'TRANSACTION_LOST'; lastRegisterWh: number; at: string; reason: string }
  /** Amounts are the payment's aggregate totals after the call, so a repeated event changes nothing. */
  | { type: 'CAPTURED'; capturedAmount: number }
  | { type: 'RESERVATION_RELEASED'; cancelledAmount: number }
  | { type: 'RECEIPT_POSTED' }
  | { type: 'REVIEW_NEEDED'; reason: string }
  /** The operator settles a reviewed session on an energy figure they chose. */
  | { type: 'OPERATOR_SETTLED'; energyWh: number }
  /** The operator waives a reviewed session: nothing is captured, everything released. */
  | { type: 'OPERATOR_RELEASED' };

export type SessionEventType = SessionEvent['type'];

export type Effect =
  | 'start-charger'
  | 'start-timeout'
  | 'budget-watch'
  | 'stop-charger'
  | 'stop-deadline'
  | 'settle'
  | 'release-reservation'
  | 'abandon-payment'
  | 'post-receipt';

/** Facts an event writes onto the session (column names of charging_sessions). */
export interface SessionChanges {
  authorizedAmount?: number;
  paymentState?: string;
  transactionId?: number;
  meterStartWh?: number;
  meterLastWh?: number;
  startedAt?: string;
  meterStopWh?: number;
  stoppedAt?: string;
  stopReason?: string;
  stopRequestedBy?: StopCause;
  capturedAmount?: number;
  cancelledAmount?: number;
  receiptPosted?: true;
  failureReason?: string;
  reviewReason?: string | null;
  operatorEnergyWh?: number;
}

/** What the machine needs to know about the session besides its state. */
export interface SessionFacts {
  state: SessionState;
  authorizedAmount: number | null;
  paymentState: string | null;
  capturedAmount: number;
  cancelledAmount: number;
  /** Settled on an estimate (e.g. no StopTransaction): the session ends in review rather than completed. */
  reviewReason: string | null;
}

export type Decision =
  | { accepted: true; to: SessionState; changes: SessionChanges; effects: Effect[] }
  | { accepted: false; reason: string };

type Rule<E extends SessionEvent> = (facts: SessionFacts, event: E) => Decision;
type Table = { [T in SessionEventType]: Partial<Record<SessionState, Rule<Extract<SessionEvent, { type: T }>>>> };

const go = (to: SessionState, changes: SessionChanges = {}, effects: Effect[] = []): Decision => ({
  accepted: true,
  to,
  changes,
  effects,
});

const refuse = (reason: string): Decision => ({ accepted: false, reason });

const failStart = (reason: string): Decision => go('FAILED', { failureReason: reason }, ['release-reservation']);

/** Where a settled session ends: in review when it was settled on an estimate. */
const settledEnd = (f: SessionFacts): SessionState => (f.reviewReason ? 'REVIEW_REQUIRED' : 'COMPLETED');

/** A review is open only while no money has moved. */
const unsettledReview = (f: SessionFacts) => f.capturedAmount === 0 && f.cancelledAmount === 0;

const TRANSITIONS: Table = {
  PAYMENT_AUTHORIZED: {
    PAYMENT_PENDING: (_f, e) =>
      e.connectorFree
        ? go('AUTHORIZED', { authorizedAmount: e.authorizedAmount, paymentState: 'AUTHORIZED' }, ['start-charger', 'start-timeout'])
        : // Another driver's authorisation arrived first: this one is released at once.
          go(
            'CANCELLED',
            { authorizedAmount: e.authorizedAmount, paymentState: 'AUTHORIZED', failureReason: 'Another driver started charging here first' },
            ['release-reservation'],
          ),
    // An approval that lands after the driver gave up is never kept.
    CANCELLED: (f, e) =>
      f.authorizedAmount === null
        ? go('CANCELLED', { authorizedAmount: e.authorizedAmount, paymentState: 'AUTHORIZED' }, ['release-reservation'])
        : refuse('the authorisation is already known'),
  },
  PAYMENT_NOT_AUTHORIZED: {
    PAYMENT_PENDING: (_f, e) => go('CANCELLED', { paymentState: e.paymentState, failureReason: paymentFailure(e.paymentState) }),
    CANCELLED: (f, e) => (f.paymentState === e.paymentState ? refuse('already known') : go('CANCELLED', { paymentState: e.paymentState })),
  },
  START_ACCEPTED: {
    AUTHORIZED: () => go('STARTING'),
  },
  START_FAILED: {
    AUTHORIZED: (_f, e) => failStart(e.reason),
    STARTING: (_f, e) => failStart(e.reason),
  },
  TRANSACTION_STARTED: {
    AUTHORIZED: (_f, e) => go('CHARGING', transactionStart(e), ['budget-watch']),
    STARTING: (_f, e) => go('CHARGING', transactionStart(e), ['budget-watch']),
  },
  STOP_REQUESTED: {
    PAYMENT_PENDING: () => go('CANCELLED', { failureReason: 'Cancelled before the payment was approved' }, ['abandon-payment']),
    AUTHORIZED: (_f, e) => go('CANCELLED', { stopRequestedBy: e.by, failureReason: 'Cancelled before charging started' }, ['release-reservation']),
    STARTING: (_f, e) => go('CANCELLED', { stopRequestedBy: e.by, failureReason: 'Cancelled before charging started' }, ['release-reservation']),
    CHARGING: (_f, e) => go('STOPPING', { stopRequestedBy: e.by }, ['stop-charger', 'stop-deadline']),
  },
  TRANSACTION_ENDED: {
    CHARGING: (_f, e) => go('STOPPED', transactionEnd(e), ['settle']),
    STOPPING: (_f, e) => go('STOPPED', transactionEnd(e), ['settle']),
  },
  TRANSACTION_LOST: {
    CHARGING: (_f, e) => transactionLost(e),
    STOPPING: (_f, e) => transactionLost(e),
  },
  CAPTURED: {
    STOPPED: (_f, e) => go('STOPPED', { capturedAmount: e.capturedAmount }, ['release-reservation']),
  },
  RESERVATION_RELEASED: {
    STOPPED: (f, e) =>
      f.capturedAmount > 0
        ? go('SETTLED', { cancelledAmount: e.cancelledAmount }, ['post-receipt'])
        : // Nothing captured, nothing to put on a receipt.
          go(settledEnd(f), { cancelledAmount: e.cancelledAmount }),
    FAILED: (_f, e) => go('FAILED', { cancelledAmount: e.cancelledAmount }),
    CANCELLED: (_f, e) => go('CANCELLED', { cancelledAmount: e.cancelledAmount }),
  },
  RECEIPT_POSTED: {
    SETTLED: (f) => go(settledEnd(f), { receiptPosted: true }),
  },
  REVIEW_NEEDED: {
    // The reservation stays authorised: nothing is captured until an operator decides.
    STOPPED: (_f, e) => go('REVIEW_REQUIRED', { reviewReason: e.reason }),
  },
  OPERATOR_SETTLED: {
    REVIEW_REQUIRED: (f, e) =>
      unsettledReview(f) ? go('STOPPED', { operatorEnergyWh: e.energyWh, reviewReason: null }, ['settle']) : refuse('already settled'),
  },
  OPERATOR_RELEASED: {
    REVIEW_REQUIRED: (f) =>
      unsettledReview(f) ? go('STOPPED', { capturedAmount: 0, reviewReason: null }, ['release-reservation']) : refuse('already settled'),
  },
};

function transactionStart(e: Extract<SessionEvent, { type: 'TRANSACTION_STARTED' }>): SessionChanges {
  return { transactionId: e.transactionId, meterStartWh: e.meterStartWh, meterLastWh: e.meterStartWh, startedAt: e.at };
}

function transactionLost(e: Extract<SessionEvent, { type: 'TRANSACTION_LOST' }>): Decision {
  return go(
    'STOPPED',
    {
      meterStopWh: e.lastRegisterWh,
      stoppedAt: e.at,
      stopReason: 'NoStopTransaction',
      reviewReason: `${e.reason}; settled on the last meter reading`,
    },
    ['settle'],
  );
}

function transactionEnd(e: Extract<SessionEvent, { type: 'TRANSACTION_ENDED' }>): SessionChanges {
  return { meterStopWh: e.meterStopWh, meterLastWh: e.meterStopWh, stoppedAt: e.at, stopReason: e.reason };
}

function paymentFailure(state: 'ABORTED' | 'EXPIRED' | 'TERMINATED'): string {
  switch (state) {
    case 'ABORTED':
      return 'The payment was cancelled in the app';
    case 'EXPIRED':
      return 'The payment was not approved in time';
    case 'TERMINATED':
      return 'The payment was cancelled';
  }
}

export function decide(facts: SessionFacts, event: SessionEvent): Decision {
  const rules = TRANSITIONS[event.type] as Partial<Record<SessionState, Rule<SessionEvent>>>;
  const rule = rules[facts.state];
  if (!rule) return refuse(`${event.type} is not allowed in ${facts.state}`);
  return rule(facts, event);
}

export function isLive(state: SessionState): boolean {
  return LIVE_STATES.includes(state);
}

export function isFinal(state: SessionState): boolean {
  return FINAL_STATES.includes(state);
}
