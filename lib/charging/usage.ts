import type { SessionUsage } from '@/lib/pricing/price-session';

/**
 * What a session used, from the charger's own readings: energy is
 * meterStop − meterStart (absolute registers), time is the transaction's
 * duration on the charger's clock, and idle time is the tail of the session
 * during which the car drew (almost) no power. Pure functions over integers.
 */

export interface RegisterSample {
  at: Date;
  energyWh: number | null;
  powerW: number | null;
  /** OCPP reading context; 'Transaction.End' marks the charger's own reading at the stop. */
  context?: string | null;
}

export interface TransactionFacts {
  meterStartWh: number;
  meterStopWh: number;
  startedAt: Date;
  stoppedAt: Date;
}

/** Below this average power the car counts as not drawing power (full, or pausing). */
export const IDLE_POWER_W = 200;

function averagePowerW(fromWh: number, toWh: number, fromAt: Date, toAt: Date): number {
  const seconds = (toAt.getTime() - fromAt.getTime()) / 1000;
  if (seconds <= 0) return toWh > fromWh ? Number.POSITIVE_INFINITY : 0;
  return ((toWh - fromWh) * 3600) / seconds;
}

/**
 * Seconds at the end of the session in which the car drew less than
 * IDLE_POWER_W on average, measured between consecutive register readings
 * (and the final meterStop). Conservative for the driver: idle starts at the
 * first reading after the last one that showed the car charging.
 */
export function idleTailSeconds(samples: RegisterSample[], tx: TransactionFacts): number {
  const points = samples
    .filter((s): s is RegisterSample & { energyWh: number } => s.energyWh !== null)
    .filter((s) => s.at >= tx.startedAt && s.at <= tx.stoppedAt)
    .sort((a, b) => a.at.getTime() - b.at.getTime())
    .map((s) => ({ at: s.at, wh: s.energyWh }));
  points.unshift({ at: tx.startedAt, wh: tx.meterStartWh });
  points.push({ at: tx.stoppedAt, wh: tx.meterStopWh });
  let idleFrom = tx.stoppedAt;
  for (let i = points.length - 1; i > 0; i--) {
    const later = points[i]!;
    const earlier = points[i - 1]!;
    if (averagePowerW(earlier.wh, later.wh, earlier.at, later.at) >= IDLE_POWER_W) break;
    idleFrom = earlier.at;
  }
  // A session that never charged at all is not "idle after charging": no idle fee from the very start.
  if (idleFrom.getTime() === tx.startedAt.getTime() && tx.meterStopWh - tx.meterStartWh < 1) return 0;
  return Math.max(0, Math.round((tx.stoppedAt.getTime() - idleFrom.getTime()) / 1000));
}

export function sessionUsage(samples: RegisterSample[], tx: TransactionFacts): SessionUsage {
  return {
    energyWh: Math.max(0, tx.meterStopWh - tx.meterStartWh),
    chargingSeconds: Math.max(0, Math.round((tx.stoppedAt.getTime() - tx.startedAt.getTime()) / 1000)),
    idleSeconds: idleTailSeconds(samples, tx),
  };
}

/**
 * Meter readings no charger could honestly produce. Any of these sends the
 * session to review instead of an automatic capture.
 */
export function meterAnomaly(samples: RegisterSample[], tx: TransactionFacts, maxPowerW: number): string | undefined {
  const energy = tx.meterStopWh - tx.meterStartWh;
  if (energy < 0) return `meterStop ${tx.meterStopWh} Wh is below meterStart ${tx.meterStartWh} Wh`;
  const readings = samples
    .filter((s): s is RegisterSample & { energyWh: number } => s.energyWh !== null)
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  // Every step between readings must fit the charger: 10 % above its rated power, plus a minute of clock slack.
  const steps = [{ at: tx.startedAt, energyWh: tx.meterStartWh }, ...readings, { at: tx.stoppedAt, energyWh: tx.meterStopWh }];
  for (let i = 1; i < steps.length; i++) {
    const from = steps[i - 1]!;
    const to = steps[i]!;
    const seconds = Math.max(0, (to.at.getTime() - from.at.getTime()) / 1000);
    const possibleWh = (maxPowerW * 1.1 * (seconds + 60)) / 3600;
    if (to.energyWh - from.energyWh > possibleWh) {
      return `${to.energyWh - from.energyWh} Wh in ${Math.round(seconds)} s is more than a ${maxPowerW} W charger can deliver`;
    }
  }
  const tolerance = Math.max(Math.ceil(energy / 100), 10); // 1 % of the session, at least 10 Wh
  const highest = readings.reduce((max, s) => Math.max(max, s.energyWh), Number.NEGATIVE_INFINITY);
  if (highest - tx.meterStopWh > tolerance) {
    return `a meter reading of ${highest} Wh exceeds meterStop ${tx.meterStopWh} Wh by more than 1 %`;
  }
  // The charger's own reading at the stop (StopTransaction's transactionData, or one taken at or after the stop).
  const atStop = readings.filter((s) => s.context === 'Transaction.End' || s.at >= tx.stoppedAt);
  const disagreeing = atStop.find((s) => Math.abs(s.energyWh - tx.meterStopWh) > tolerance);
  if (disagreeing) {
    return `the reading at the stop (${disagreeing.energyWh} Wh) and meterStop (${tx.meterStopWh} Wh) differ by more than 1 %`;
  }
  const lowest = readings.reduce((min, s) => Math.min(min, s.energyWh), Number.POSITIVE_INFINITY);
  if (lowest < tx.meterStartWh - tolerance) {
    return `a meter reading of ${lowest} Wh is below meterStart ${tx.meterStartWh} Wh`;
  }
  return undefined;
}
