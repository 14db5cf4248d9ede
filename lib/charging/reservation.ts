import { formatMinorUnits } from '@/lib/pricing/format';
import type { Currency } from '@/lib/pricing/tariff';

/**
 * How much a driver may reserve. Vipps advises 350–500 NOK for EV charging;
 * the driver picks a maximum, pays only for what is used and gets the rest
 * released. All amounts in minor units.
 */

export interface ReservationOptions {
  presets: number[];
  defaultAmount: number;
  min: number;
  max: number;
}

const OPTIONS: Record<Currency, ReservationOptions> = {
  NOK: { presets: [10_000, 20_000, 35_000, 50_000], defaultAmount: 35_000, min: 5_000, max: 150_000 },
  DKK: { presets: [10_000, 20_000, 35_000, 50_000], defaultAmount: 35_000, min: 5_000, max: 150_000 },
  EUR: { presets: [1_500, 3_000, 5_000, 7_500], defaultAmount: 5_000, min: 500, max: 20_000 },
};

export function reservationOptions(currency: Currency): ReservationOptions {
  return OPTIONS[currency];
}

export function checkReservationAmount(currency: Currency, amount: number): string | undefined {
  const { min, max } = OPTIONS[currency];
  if (!Number.isSafeInteger(amount)) return 'The amount must be a whole number of minor units.';
  if (amount < min || amount > max) return `Choose an amount between ${formatMinorUnits(min, currency)} and ${formatMinorUnits(max, currency)}.`;
  return undefined;
}
