import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { priceSession } from '@/lib/pricing/price-session';
import { parseTariff, type Tariff } from '@/lib/pricing/tariff';
import { projectBudget } from './budget-guard';
import { settle } from './settlement';
import type { RegisterSample } from './usage';

/**
 * Money properties over generated sessions: any tariff the product accepts,
 * any plausible meter series, any way the session ends, any reservation.
 */

const RUNS = 10_000;
const START = new Date('2026-11-23T14:00:00Z');

const tariffArb = fc
  .record({
    currency: fc.constantFrom('NOK' as const, 'DKK' as const, 'EUR' as const),
    vatRateBp: fc.constantFrom(0, 1000, 1500, 2400, 2500),
    tierPrices: fc.array(fc.integer({ min: 0, max: 2_000 }), { minLength: 1, maxLength: 3 }),
    tierStep: fc.integer({ min: 1, max: 40_000 }),
    pricePerMinute: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 300 })),
    sessionFee: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5_000 })),
    idleFeePerMinute: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 500 })),
    idleGraceMinutes: fc.integer({ min: 0, max: 60 }),
  })
  .map(
    (t): Tariff =>
      parseTariff({
        currency: t.currency,
        vatRateBp: t.vatRateBp,
        energyTiers: t.tierPrices.map((pricePerKwh, i) => ({ fromWh: i * t.tierStep, pricePerKwh })),
        pricePerMinute: t.pricePerMinute,
        sessionFee: t.sessionFee,
        idleFeePerMinute: t.idleFeePerMinute,
        idleGraceMinutes: t.idleGraceMinutes,
      }),
  );

/** A meter series: per interval, the energy added; a tail with no energy is the car being full. */
const sessionArb = fc.record({
  tariff: tariffArb,
  authorized: fc.integer({ min: 100, max: 150_000 }),
  meterStartWh: fc.integer({ min: 0, max: 50_000_000 }),
  intervalSeconds: fc.integer({ min: 5, max: 900 }),
  increments: fc.array(fc.integer({ min: 0, max: 5_000 }), { maxLength: 60 }),
  idleIntervals: fc.integer({ min: 0, max: 20 }),
  stopCause: fc.constantFrom('driver', 'charger', 'budget', 'timeout'),
});

type GeneratedSession = typeof sessionArb extends fc.Arbitrary<infer T> ? T : never;

function buildSession(s: GeneratedSession) {
  const samples: RegisterSample[] = [];
  let register = s.meterStartWh;
  let seconds = 0;
  for (const increment of [...s.increments, ...Array<number>(s.idleIntervals).fill(0)]) {
    seconds += s.intervalSeconds;
    register += increment;
    samples.push({ at: new Date(START.getTime() + seconds * 1000), energyWh: register, powerW: null });
  }
  // A timeout settles on the last reading; the other causes on a final meterStop a little later.
  const stopSeconds = s.stopCause === 'timeout' ? seconds : seconds + 7;
  const session = {
    meterStartWh: s.meterStartWh,
    meterStopWh: register,
    startedAt: START,
    stoppedAt: new Date(START.getTime() + stopSeconds * 1000),
    tariff: s.tariff,
    authorizedAmount: s.authorized,
    operatorEnergyWh: null,
    reviewReason: s.stopCause === 'timeout' ? 'no StopTransaction' : null,
  };
  return { session, samples };
}

describe('settlement properties', () => {
  it(`captures exactly the priced lines, never above the reservation, with exact VAT (${RUNS} sessions)`, () => {
    fc.assert(
      fc.property(sessionArb, (s) => {
        const { session, samples } = buildSession(s);
        // 5 kWh per interval is within what this charger can do at the shortest interval.
        const settlement = settle(session, samples, 5_000 * 3600 / 5);
        expect(settlement.kind).toBe('capture');
        if (settlement.kind !== 'capture') return;
        const { price, captureAmount, overrunAmount, usage } = settlement;
        const lines = price.lines;
        expect(captureAmount).toBe(lines.reduce((sum, l) => sum + l.totalAmount, 0));
        expect(captureAmount).toBe(price.total);
        expect(captureAmount).toBeLessThanOrEqual(s.authorized);
        for (const line of lines) {
          expect(Number.isInteger(line.totalAmount)).toBe(true);
          expect(line.totalAmount).toBeGreaterThanOrEqual(0);
          expect(line.totalAmountExcludingTax).toBeGreaterThanOrEqual(0);
          expect(line.totalTaxAmount).toBeGreaterThanOrEqual(0);
          expect(line.totalAmount - line.totalAmountExcludingTax).toBe(line.totalTaxAmount);
        }
        expect(price.totalExcludingTax + price.totalTax).toBe(price.total);
        // What was waived is exactly the overrun, and the full price is what the tariff says.
        const full = priceSession(s.tariff, usage).total;
        expect(captureAmount + overrunAmount).toBe(full);
        expect(lines.reduce((sum, l) => sum + l.discount, 0)).toBe(overrunAmount);
        const hasFees = s.tariff.pricePerMinute > 0 || s.tariff.idleFeePerMinute > 0;
        if (usage.energyWh === 0 && !hasFees) expect(captureAmount).toBe(0);
      }),
      { numRuns: RUNS },
    );
  });

  it('sends readings that go backwards to review instead of capturing', () => {
    fc.assert(
      fc.property(sessionArb, fc.integer({ min: 1, max: 1_000_000 }), (s, drop) => {
        const { session, samples } = buildSession(s);
        const settlement = settle({ ...session, meterStopWh: session.meterStartWh - drop, reviewReason: null }, samples, 1_000_000);
        expect(settlement.kind).toBe('review');
      }),
      { numRuns: 1_000 },
    );
  });

  it('the budget guard stops a session in time when the charger keeps within its rated power and the stop latency', () => {
    fc.assert(
      fc.property(
        tariffArb,
        fc.integer({ min: 1_000, max: 150_000 }),
        fc.integer({ min: 1_000, max: 150_000 }),
        fc.integer({ min: 10, max: 120 }),
        fc.integer({ min: 0, max: 30 }),
        (tariff, authorized, maxPowerW, intervalSeconds, actualLatency) => {
          // The car draws the full rated power; the guard looks at every reading.
          let register = 0;
          let seconds = 0;
          let stopAt: number | undefined;
          while (stopAt === undefined && seconds < 48 * 3600) {
            seconds += intervalSeconds;
            register += Math.floor((maxPowerW * intervalSeconds) / 3600);
            const now = new Date(START.getTime() + seconds * 1000);
            const projection = projectBudget({
              tariff,
              authorized,
              meterStartWh: 0,
              lastRegisterWh: register,
              lastReadingAt: now,
              startedAt: START,
              now,
              reportedPowerW: maxPowerW,
              recentAveragePowerW: maxPowerW,
              maxPowerW,
              sampleIntervalSeconds: intervalSeconds,
              stopLatencySeconds: 30,
            });
            if (projection.stop) stopAt = seconds;
          }
          if (stopAt === undefined) return; // a tariff so cheap the reservation lasts two days
          const finalSeconds = stopAt + actualLatency;
          const finalEnergy = register + Math.ceil((maxPowerW * actualLatency) / 3600);
          const price = priceSession(tariff, { energyWh: finalEnergy, chargingSeconds: finalSeconds, idleSeconds: 0 });
          // The session the guard let run never costs more than the reservation (before any cap).
          const firstReadingCost = priceSession(tariff, {
            energyWh: Math.floor((maxPowerW * intervalSeconds) / 3600) + Math.ceil((maxPowerW * 30) / 3600),
            chargingSeconds: intervalSeconds + 30,
            idleSeconds: 0,
          }).total;
          if (firstReadingCost < authorized) expect(price.total).toBeLessThanOrEqual(authorized);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
