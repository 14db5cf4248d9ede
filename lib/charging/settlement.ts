import type { ChargingSessionRow } from '@/lib/db/schema';
import { priceSession, type SessionPrice, type SessionUsage } from '@/lib/pricing/price-session';
import { parseTariff } from '@/lib/pricing/tariff';

/**
 * What a finished session costs. Pure: energy is meterStop − meterStart
 * (registers are absolute and never reset between sessions), time comes
 * from the charger's own timestamps, and the tariff is the copy taken when
 * the driver paid. The amount to capture never exceeds the authorisation;
 * anything above it is an overrun the operator absorbs.
 */

export type Settlement =
  | { kind: 'capture'; usage: SessionUsage; price: SessionPrice; captureAmount: number; overrunAmount: number }
  | { kind: 'review'; reason: string };

export function usageOf(session: Pick<ChargingSessionRow, 'meterStartWh' | 'meterStopWh' | 'startedAt' | 'stoppedAt'>): SessionUsage | string {
  const { meterStartWh, meterStopWh, startedAt, stoppedAt } = session;
  if (meterStartWh === null || meterStopWh === null) return 'the final meter reading is missing';
  if (meterStopWh < meterStartWh) return `meterStop ${meterStopWh} Wh is below meterStart ${meterStartWh} Wh`;
  const seconds = startedAt && stoppedAt ? Math.max(0, Math.round((stoppedAt.getTime() - startedAt.getTime()) / 1000)) : 0;
  return { energyWh: meterStopWh - meterStartWh, chargingSeconds: seconds, idleSeconds: 0 };
}

export function settle(
  session: Pick<ChargingSessionRow, 'meterStartWh' | 'meterStopWh' | 'startedAt' | 'stoppedAt' | 'tariff' | 'authorizedAmount'>,
): Settlement {
  const usage = usageOf(session);
  if (typeof usage === 'string') return { kind: 'review', reason: usage };
  const price = priceSession(parseTariff(session.tariff), usage);
  const authorized = session.authorizedAmount ?? 0;
  const captureAmount = Math.min(price.total, authorized);
  return { kind: 'capture', usage, price, captureAmount, overrunAmount: price.total - captureAmount };
}
