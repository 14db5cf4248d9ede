import { describe, expect, it } from 'vitest';
import { flatEnergyTariff, parseTariff } from '@/lib/pricing/tariff';
import { projectBudget, type BudgetInput } from './budget-guard';

const start = new Date('2026-11-23T14:00:00Z');
const at = (seconds: number) => new Date(start.getTime() + seconds * 1000);
const demo1 = flatEnergyTariff('NOK', 490, 2500);

// 100 NOK at 4.90 NOK/kWh buys 20.408 kWh; at 22 kW that is about 55.7 minutes.
const base = (over: Partial<BudgetInput>): BudgetInput => ({
  tariff: demo1,
  authorized: 10_000,
  meterStartWh: 0,
  lastRegisterWh: 0,
  lastReadingAt: start,
  startedAt: start,
  now: start,
  reportedPowerW: 22_000,
  recentAveragePowerW: 22_000,
  maxPowerW: 22_000,
  sampleIntervalSeconds: 60,
  stopLatencySeconds: 30,
  ...over,
});

describe('budget guard', () => {
  it('lets a session run while the next chance to stop is still within the reservation', () => {
    // 15 kWh after ~41 minutes: 73.50 NOK, and 90 s more at 26.4 kW adds 0.66 kWh.
    expect(projectBudget(base({ lastRegisterWh: 15_000, lastReadingAt: at(2460), now: at(2460) })).stop).toBe(false);
  });

  it('stops when waiting for the next sample would cross the reservation', () => {
    // 19.9 kWh = 97.51 NOK; another 90 s at 26.4 kW would pass 100 NOK.
    const projection = projectBudget(base({ lastRegisterWh: 19_900, lastReadingAt: at(3260), now: at(3260) }));
    expect(projection.stop).toBe(true);
    expect(projection.projectedCost).toBeGreaterThanOrEqual(10_000);
  });

  it('assumes full rated power from a charger that has gone quiet, and says the readings are stale', () => {
    const quiet = projectBudget(base({ lastRegisterWh: 10_000, lastReadingAt: at(1600), now: at(1600 + 600), reportedPowerW: 0, recentAveragePowerW: 0 }));
    expect(quiet.stale).toBe(true);
    // 10 kWh + 22 kW × (600 s + 30 s) = 13.85 kWh projected.
    expect(quiet.projectedEnergyWh).toBe(13_850);
  });

  it('counts time fees even when no energy flows', () => {
    const perMinute = parseTariff({ currency: 'NOK', vatRateBp: 2500, energyTiers: [{ fromWh: 0, pricePerKwh: 0 }], pricePerMinute: 100 });
    // 1.00 NOK per minute against 100 NOK: after 99 minutes the next chance (60 s + 30 s) would pass it.
    expect(projectBudget(base({ tariff: perMinute, now: at(99 * 60), lastReadingAt: at(99 * 60), reportedPowerW: 0 })).stop).toBe(true);
    expect(projectBudget(base({ tariff: perMinute, now: at(90 * 60), lastReadingAt: at(90 * 60), reportedPowerW: 0 })).stop).toBe(false);
  });
});
