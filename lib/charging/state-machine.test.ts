import { describe, expect, it } from 'vitest';
import { SESSION_STATES, decide, type SessionEvent, type SessionFacts, type SessionState } from './state-machine';

const facts = (state: SessionState, over: Partial<SessionFacts> = {}): SessionFacts => ({
  state,
  authorizedAmount: null,
  paymentState: null,
  capturedAmount: 0,
  cancelledAmount: 0,
  reviewReason: null,
  ...over,
});

const authorized: SessionEvent = { type: 'PAYMENT_AUTHORIZED', authorizedAmount: 30_000, connectorFree: true };
const started: SessionEvent = { type: 'TRANSACTION_STARTED', transactionId: 7, meterStartWh: 1_000_000, at: '2026-11-23T14:05:00Z' };
const ended: SessionEvent = { type: 'TRANSACTION_ENDED', meterStopWh: 1_012_345, at: '2026-11-23T15:05:00Z', reason: 'Remote' };

/** Runs events through the machine, failing on a refusal. */
function walk(events: SessionEvent[], start: SessionFacts = facts('PAYMENT_PENDING')) {
  let current = start;
  const effects: string[] = [];
  for (const event of events) {
    const decision = decide(current, event);
    if (!decision.accepted) throw new Error(`${event.type} refused in ${current.state}: ${decision.reason}`);
    effects.push(...decision.effects);
    const c = decision.changes;
    current = {
      state: decision.to,
      authorizedAmount: c.authorizedAmount ?? current.authorizedAmount,
      paymentState: c.paymentState ?? current.paymentState,
      capturedAmount: c.capturedAmount ?? current.capturedAmount,
      cancelledAmount: c.cancelledAmount ?? current.cancelledAmount,
      reviewReason: c.reviewReason === undefined ? current.reviewReason : c.reviewReason,
    };
  }
  return { state: current.state, effects };
}

describe('session state machine', () => {
  it('walks the happy path from payment to receipt, scheduling each side effect once', () => {
    const result = walk([
      authorized,
      { type: 'START_ACCEPTED' },
      started,
      { type: 'STOP_REQUESTED', by: 'driver' },
      ended,
      { type: 'CAPTURED', capturedAmount: 6049 },
      { type: 'RESERVATION_RELEASED', cancelledAmount: 23_951 },
      { type: 'RECEIPT_POSTED' },
    ]);
    expect(result.state).toBe('COMPLETED');
    expect(result.effects).toEqual([
      'start-charger',
      'start-timeout',
      'budget-watch',
      'stop-charger',
      'stop-deadline',
      'settle',
      'release-reservation',
      'post-receipt',
    ]);
  });

  it('completes without a receipt when nothing was captured', () => {
    const result = walk([authorized, started, ended, { type: 'CAPTURED', capturedAmount: 0 }, { type: 'RESERVATION_RELEASED', cancelledAmount: 30_000 }]);
    expect(result.state).toBe('COMPLETED');
    expect(result.effects).not.toContain('post-receipt');
  });

  it('settles a stop that the charger initiated, without a stop command', () => {
    const result = walk([authorized, started, ended]);
    expect(result.state).toBe('STOPPED');
    expect(result.effects).toContain('settle');
    expect(result.effects).not.toContain('stop-charger');
  });

  it('accepts a StartTransaction that overtakes the RemoteStart answer', () => {
    expect(walk([authorized, started]).state).toBe('CHARGING');
    expect(decide(facts('CHARGING'), { type: 'START_ACCEPTED' }).accepted).toBe(false);
  });

  it('releases the whole reservation when the charger cannot start', () => {
    const decision = decide(facts('STARTING'), { type: 'START_FAILED', reason: 'No car connected within 3 minutes' });
    expect(decision).toMatchObject({ accepted: true, to: 'FAILED', effects: ['release-reservation'] });
  });

  it('cancels and releases an authorisation that arrives after another driver took the connector', () => {
    const decision = decide(facts('PAYMENT_PENDING'), { ...authorized, connectorFree: false });
    expect(decision).toMatchObject({ accepted: true, to: 'CANCELLED', effects: ['release-reservation'] });
  });

  it('releases an approval that lands after the driver gave up, once', () => {
    const cancelled = facts('CANCELLED');
    expect(decide(cancelled, authorized)).toMatchObject({ accepted: true, effects: ['release-reservation'] });
    expect(decide({ ...cancelled, authorizedAmount: 30_000 }, authorized).accepted).toBe(false);
  });

  it('ends a payment the user aborted or let expire, with nothing to release', () => {
    for (const paymentState of ['ABORTED', 'EXPIRED', 'TERMINATED'] as const) {
      const decision = decide(facts('PAYMENT_PENDING'), { type: 'PAYMENT_NOT_AUTHORIZED', paymentState });
      expect(decision).toMatchObject({ accepted: true, to: 'CANCELLED', effects: [] });
    }
  });

  it('ignores a second stop, a second authorisation and a late start', () => {
    expect(decide(facts('STOPPING'), { type: 'STOP_REQUESTED', by: 'driver' }).accepted).toBe(false);
    expect(decide(facts('CHARGING'), authorized).accepted).toBe(false);
    expect(decide(facts('FAILED'), started).accepted).toBe(false);
    expect(decide(facts('COMPLETED'), ended).accepted).toBe(false);
  });

  it('never schedules money movement from a state that has not been priced', () => {
    for (const state of SESSION_STATES) {
      for (const event of [authorized, started, ended, { type: 'STOP_REQUESTED', by: 'driver' } as SessionEvent]) {
        const decision = decide(facts(state), event);
        if (!decision.accepted) continue;
        if (decision.effects.includes('settle')) expect(['CHARGING', 'STOPPING']).toContain(state);
      }
    }
  });

  it('settles on the last reading when no StopTransaction comes, and ends in review', () => {
    const result = walk([
      authorized,
      started,
      { type: 'STOP_REQUESTED', by: 'driver' },
      { type: 'TRANSACTION_LOST', lastRegisterWh: 1_005_000, at: '2026-11-23T21:00:00Z', reason: 'The charger never confirmed the stop' },
      { type: 'CAPTURED', capturedAmount: 2450 },
      { type: 'RESERVATION_RELEASED', cancelledAmount: 27_550 },
      { type: 'RECEIPT_POSTED' },
    ]);
    expect(result.state).toBe('REVIEW_REQUIRED');
    expect(result.effects).toContain('settle');
    // A StopTransaction that finally arrives does not settle a second time.
    expect(decide(facts('REVIEW_REQUIRED', { capturedAmount: 2450, cancelledAmount: 27_550, reviewReason: 'x' }), ended).accepted).toBe(false);
  });

  it('holds a meter anomaly for the operator, who settles or waives it once', () => {
    const review = walk([authorized, started, ended, { type: 'REVIEW_NEEDED', reason: 'meterStop below meterStart' }]);
    expect(review.state).toBe('REVIEW_REQUIRED');
    expect(review.effects).not.toContain('release-reservation');
    const open = facts('REVIEW_REQUIRED', { authorizedAmount: 30_000, reviewReason: 'meterStop below meterStart' });
    expect(decide(open, { type: 'OPERATOR_SETTLED', energyWh: 5000 })).toMatchObject({ accepted: true, to: 'STOPPED', effects: ['settle'] });
    expect(decide(open, { type: 'OPERATOR_RELEASED' })).toMatchObject({ accepted: true, to: 'STOPPED', effects: ['release-reservation'] });
    const settled = { ...open, capturedAmount: 2450 };
    expect(decide(settled, { type: 'OPERATOR_SETTLED', energyWh: 5000 }).accepted).toBe(false);
    // Waived: nothing captured, everything released, and the session completes.
    const waived = walk([{ type: 'OPERATOR_RELEASED' }, { type: 'RESERVATION_RELEASED', cancelledAmount: 30_000 }], open);
    expect(waived.state).toBe('COMPLETED');
  });

  it('refuses every event in the final states except bookkeeping of releases', () => {
    const everyEvent: SessionEvent[] = [
      authorized,
      { type: 'PAYMENT_NOT_AUTHORIZED', paymentState: 'EXPIRED' },
      { type: 'START_ACCEPTED' },
      { type: 'START_FAILED', reason: 'x' },
      started,
      { type: 'STOP_REQUESTED', by: 'driver' },
      ended,
      { type: 'CAPTURED', capturedAmount: 1 },
      { type: 'RECEIPT_POSTED' },
      { type: 'REVIEW_NEEDED', reason: 'x' },
    ];
    for (const state of ['COMPLETED', 'REVIEW_REQUIRED'] as const) {
      for (const event of everyEvent) expect(decide(facts(state), event).accepted).toBe(false);
    }
  });
});
