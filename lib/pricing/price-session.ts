import { assertNonNegativeInteger, divideRoundHalfUp, splitVat, toSafeNumber } from './arithmetic';
import type { Currency, Tariff } from './tariff';

/**
 * The one rounding rule: every line's exact value (which may carry fractions
 * of a minor unit) is rounded once, half up, to the minor unit. VAT is split
 * per line so that total − excluding VAT = VAT exactly. The session total is
 * the plain sum of the rounded lines, and that sum is what gets captured.
 */

export type PriceLineKind = 'energy' | 'time' | 'session_fee' | 'idle_fee';

export interface PriceLine {
  kind: PriceLineKind;
  /** Integer quantity in the line's base unit: Wh for energy, seconds for time and idle, 1 for a fee. */
  quantity: number;
  quantityUnit: 'Wh' | 's' | 'pcs';
  /** Price per kWh / minute / piece incl. VAT, in minor units (for energy the first tier's price when tiered). */
  unitPrice: number;
  totalAmount: number;
  totalAmountExcludingTax: number;
  totalTaxAmount: number;
  taxRateBp: number;
}

export interface SessionPrice {
  currency: Currency;
  lines: PriceLine[];
  total: number;
  totalExcludingTax: number;
  totalTax: number;
}

export interface SessionUsage {
  /** Energy delivered in the session, Wh. */
  energyWh: number;
  /** Duration of the charging transaction, seconds. */
  chargingSeconds: number;
  /** Seconds the car stayed connected without drawing power (before grace is applied). */
  idleSeconds: number;
}

/**
 * Exact energy cost in thousandths of a minor unit (Wh × minor/kWh), summed
 * over the tiers the session's energy passes through.
 */
export function energyCostMilli(tariff: Tariff, energyWh: number): bigint {
  assertNonNegativeInteger(energyWh, 'energy');
  let total = 0n;
  const tiers = tariff.energyTiers;
  for (let i = 0; i < tiers.length; i++) {
    const tier = tiers[i]!;
    const tierEnd = tiers[i + 1]?.fromWh ?? Number.POSITIVE_INFINITY;
    if (energyWh <= tier.fromWh) break;
    const whInTier = Math.min(energyWh, tierEnd) - tier.fromWh;
    total += BigInt(whInTier) * BigInt(tier.pricePerKwh);
  }
  return total;
}

export function billableIdleSeconds(tariff: Tariff, idleSeconds: number): number {
  return Math.max(0, idleSeconds - tariff.idleGraceMinutes * 60);
}

function line(
  kind: PriceLineKind,
  quantity: number,
  quantityUnit: PriceLine['quantityUnit'],
  unitPrice: number,
  totalAmount: number,
  taxRateBp: number,
): PriceLine {
  const { excludingTax, tax } = splitVat(totalAmount, taxRateBp);
  return {
    kind,
    quantity,
    quantityUnit,
    unitPrice,
    totalAmount,
    totalAmountExcludingTax: excludingTax,
    totalTaxAmount: tax,
    taxRateBp,
  };
}

/** Prices a finished (or running) session. Lines that come to zero are left out. */
export function priceSession(tariff: Tariff, usage: SessionUsage): SessionPrice {
  assertNonNegativeInteger(usage.energyWh, 'energy');
  assertNonNegativeInteger(usage.chargingSeconds, 'charging time');
  assertNonNegativeInteger(usage.idleSeconds, 'idle time');
  const vat = tariff.vatRateBp;
  const candidates: PriceLine[] = [];

  const energyAmount = toSafeNumber(divideRoundHalfUp(energyCostMilli(tariff, usage.energyWh), 1000n), 'energy cost');
  candidates.push(line('energy', usage.energyWh, 'Wh', tariff.energyTiers[0]!.pricePerKwh, energyAmount, vat));

  if (tariff.pricePerMinute > 0) {
    const amount = toSafeNumber(
      divideRoundHalfUp(BigInt(usage.chargingSeconds) * BigInt(tariff.pricePerMinute), 60n),
      'time cost',
    );
    candidates.push(line('time', usage.chargingSeconds, 's', tariff.pricePerMinute, amount, vat));
  }

  // A session fee is only due when the car actually charged.
  if (tariff.sessionFee > 0 && usage.energyWh > 0) {
    candidates.push(line('session_fee', 1, 'pcs', tariff.sessionFee, tariff.sessionFee, vat));
  }

  const idle = billableIdleSeconds(tariff, usage.idleSeconds);
  if (tariff.idleFeePerMinute > 0 && idle > 0) {
    const amount = toSafeNumber(divideRoundHalfUp(BigInt(idle) * BigInt(tariff.idleFeePerMinute), 60n), 'idle fee');
    candidates.push(line('idle_fee', idle, 's', tariff.idleFeePerMinute, amount, vat));
  }

  const lines = candidates.filter((l) => l.totalAmount > 0);
  return {
    currency: tariff.currency,
    lines,
    total: sum(lines, (l) => l.totalAmount),
    totalExcludingTax: sum(lines, (l) => l.totalAmountExcludingTax),
    totalTax: sum(lines, (l) => l.totalTaxAmount),
  };
}

function sum<T>(items: T[], pick: (item: T) => number): number {
  return items.reduce((acc, item) => acc + pick(item), 0);
}
