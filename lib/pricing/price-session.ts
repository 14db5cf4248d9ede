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
  /** What was waived to stay within the authorised amount (incl. VAT); totalAmount is after it. */
  discount: number;
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
    discount: 0,
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

/** The order in which lines give way when a price exceeds what the driver authorised: idle fees first. */
const WAIVE_ORDER: PriceLineKind[] = ['idle_fee', 'time', 'session_fee', 'energy'];

/**
 * Caps a price at the authorised amount. The excess is waived line by line
 * (idle fee first, energy last) as a discount, and each reduced line's VAT
 * is split again, so the capped lines still sum exactly to what is captured.
 * The overrun is what the operator absorbs.
 */
export function capPrice(price: SessionPrice, authorized: number): { price: SessionPrice; overrun: number } {
  if (!Number.isSafeInteger(authorized) || authorized < 0) throw new RangeError('authorized must be a non-negative integer');
  let excess = price.total - authorized;
  if (excess <= 0) return { price, overrun: 0 };
  const overrun = excess;
  const lines = price.lines.map((l) => ({ ...l }));
  for (const kind of WAIVE_ORDER) {
    for (const current of lines.filter((l) => l.kind === kind)) {
      if (excess === 0) break;
      const waived = Math.min(excess, current.totalAmount);
      if (waived === 0) continue;
      excess -= waived;
      const totalAmount = current.totalAmount - waived;
      const { excludingTax, tax } = splitVat(totalAmount, current.taxRateBp);
      Object.assign(current, {
        discount: current.discount + waived,
        totalAmount,
        totalAmountExcludingTax: excludingTax,
        totalTaxAmount: tax,
      });
    }
  }
  return {
    price: {
      currency: price.currency,
      lines,
      total: sum(lines, (l) => l.totalAmount),
      totalExcludingTax: sum(lines, (l) => l.totalAmountExcludingTax),
      totalTax: sum(lines, (l) => l.totalTaxAmount),
    },
    overrun,
  };
}
