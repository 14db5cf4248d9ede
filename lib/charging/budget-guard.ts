import { priceSession } from '@/lib/pricing/price-session';
import type { Tariff } from '@/lib/pricing/tariff';

/**
 * The reservation is a hard ceiling. OCPP 1.6 has no cost or energy limit,
 * so the engine projects what the session will cost by the time a stop
 * could take effect, and stops early enough: the energy so far plus the
 * current power over (the time to the next meter sample + the stop
 * latency), priced with the session's tariff. Pure.
 */

export interface BudgetInput {
  tariff: Tariff;
  /** The ceiling: what the driver authorised, minor units. */
  authorized: number;
  meterStartWh: number;
  /** The latest register reading and when it was taken. */
  lastRegisterWh: number;
  lastReadingAt: Date;
  startedAt: Date;
  now: Date;
  /** The charger's latest reported power, if any. */
  reportedPowerW: number | null;
  /** The average power between the two latest readings, if known. */
  recentAveragePowerW: number | null;
  /** The charger's rated power: the worst case when it says nothing. */
  maxPowerW: number;
  /** How often the charger sends meter values, seconds. */
  sampleIntervalSeconds: number;
  /** How long a stop takes to take effect once sent, seconds. */
  stopLatencySeconds: number;
}

export interface BudgetProjection {
  /** Stop now: the next chance to stop would come too late. */
  stop: boolean;
  projectedCost: number;
  projectedEnergyWh: number;
  /** The readings are older than three sample intervals: ask for a fresh one. */
  stale: boolean;
}

export function projectBudget(input: BudgetInput): BudgetProjection {
  const intervalMs = input.sampleIntervalSeconds * 1000;
  const stale = input.now.getTime() - input.lastReadingAt.getTime() > 3 * intervalMs;
  // A silent charger, or one that reports no power, may resume at full rated power at any moment.
  const knownPower = Math.max(input.reportedPowerW ?? 0, input.recentAveragePowerW ?? 0);
  const powerW = stale || knownPower <= 0 ? input.maxPowerW : Math.min(input.maxPowerW * 1.1, knownPower * 1.2);
  const nextChance = Math.max(input.now.getTime(), input.lastReadingAt.getTime() + intervalMs);
  const effectiveAt = nextChance + input.stopLatencySeconds * 1000;
  const horizonSeconds = Math.max(0, (effectiveAt - input.lastReadingAt.getTime()) / 1000);
  const energySoFar = Math.max(0, input.lastRegisterWh - input.meterStartWh);
  const projectedEnergyWh = energySoFar + Math.ceil((powerW * horizonSeconds) / 3600);
  const projectedSeconds = Math.max(0, Math.ceil((effectiveAt - input.startedAt.getTime()) / 1000));
  const projectedCost = priceSession(input.tariff, {
    energyWh: projectedEnergyWh,
    chargingSeconds: projectedSeconds,
    idleSeconds: 0,
  }).total;
  return { stop: projectedCost >= input.authorized, projectedCost, projectedEnergyWh, stale };
}
