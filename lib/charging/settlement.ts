import type { ChargingSessionRow } from '@/lib/db/schema';
import { capPrice, priceSession, type SessionPrice, type SessionUsage } from '@/lib/pricing/price-session';
import { parseTariff } from '@/lib/pricing/tariff';
import { meterAnomaly, sessionUsage, type RegisterSample } from './usage';

/**
 * What a finished session costs. Pure: usage comes from the charger's own
 * readings, the tariff is the copy taken when the driver paid, and the
 * amount to capture never exceeds the authorisation; anything above it is
 * waived on the receipt lines and kept as an overrun the operator sees.
 * Meter readings that cannot be right are never captured automatically.
 */

export type Settlement =
  | {
      kind: 'capture';
      usage: SessionUsage;
      /** The priced lines after any cap: they sum to captureAmount. */
      price: SessionPrice;
      captureAmount: number;
      overrunAmount: number;
    }
  | { kind: 'review'; reason: string };

export type SettlementSession = Pick<
  ChargingSessionRow,
  'meterStartWh' | 'meterStopWh' | 'startedAt' | 'stoppedAt' | 'tariff' | 'authorizedAmount' | 'operatorEnergyWh' | 'reviewReason'
>;

export function settle(session: SettlementSession, samples: RegisterSample[], maxPowerW: number): Settlement {
  const { meterStartWh, meterStopWh, startedAt, stoppedAt } = session;
  if (meterStartWh === null || meterStopWh === null || !startedAt || !stoppedAt) {
    return { kind: 'review', reason: 'the meter readings of the transaction are missing' };
  }
  const tx = { meterStartWh, meterStopWh, startedAt, stoppedAt };
  let usage: SessionUsage;
  if (session.operatorEnergyWh !== null) {
    // An operator looked at the readings and decided the energy.
    usage = { ...sessionUsage(samples, tx), energyWh: session.operatorEnergyWh };
  } else {
    // Settled on an estimate (no StopTransaction) is flagged already; otherwise the readings must add up.
    const anomaly = session.reviewReason ? undefined : meterAnomaly(samples, tx, maxPowerW);
    if (anomaly) return { kind: 'review', reason: anomaly };
    usage = sessionUsage(samples, tx);
  }
  const full = priceSession(parseTariff(session.tariff), usage);
  const { price, overrun } = capPrice(full, session.authorizedAmount ?? 0);
  return { kind: 'capture', usage, price, captureAmount: price.total, overrunAmount: overrun };
}
