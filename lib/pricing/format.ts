import type { Currency } from './tariff';

/**
 * Display formatting from integers, without going through floats:
 * 490 NOK → "4.90 NOK", 12345 Wh → "12.345 kWh".
 */

export function formatMinorUnits(amount: number, currency: Currency): string {
  const sign = amount < 0 ? '−' : '';
  const abs = Math.abs(amount);
  const major = Math.trunc(abs / 100);
  const minor = String(abs % 100).padStart(2, '0');
  return `${sign}${major.toLocaleString('en-US')}.${minor} ${currency}`;
}

/** Wh as kWh with three decimals, e.g. "12.345". */
export function formatKwh(wh: number): string {
  const sign = wh < 0 ? '−' : '';
  const abs = Math.abs(Math.trunc(wh));
  return `${sign}${Math.trunc(abs / 1000)}.${String(abs % 1000).padStart(3, '0')}`;
}

/** Watts as kW with one decimal, e.g. 11040 → "11.0". */
export function formatKw(watts: number): string {
  const tenths = Math.round(Math.max(0, watts) / 100);
  return `${Math.trunc(tenths / 10)}.${tenths % 10}`;
}

export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.trunc(totalSeconds));
  const h = Math.trunc(s / 3600);
  const m = Math.trunc((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h} h ${String(m).padStart(2, '0')} min` : `${m} min ${String(sec).padStart(2, '0')} s`;
}
