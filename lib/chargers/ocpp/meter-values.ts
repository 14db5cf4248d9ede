/**
 * Normalises OCPP 1.6 MeterValues as real chargers send them: values are
 * decimal strings, energy in Wh or kWh, registers overall or per phase,
 * sometimes a single object where the schema wants an array. The result is
 * integers: Wh for the energy register and W for power.
 */

export interface MeterReading {
  at: Date;
  /** Energy.Active.Import.Register, Wh. */
  energyWh?: number;
  /** Power.Active.Import, W. */
  powerW?: number;
  context?: string;
}

const PHASES_TO_SUM = new Set(['L1', 'L2', 'L3', 'L1-N', 'L2-N', 'L3-N']);

/**
 * "12.345" with scale 3 → 12345 (kWh → Wh) without going through floats;
 * fractions beyond the scale are rounded half up. Undefined when not a number.
 */
export function decimalToScaledInteger(value: string, scaleDigits: number): number | undefined {
  const match = /^\s*(-)?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(value);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return undefined;
  const [, minus, intPart = '', fracPart = '', exponent] = match;
  const shift = scaleDigits + (exponent ? Number.parseInt(exponent, 10) : 0);
  let digits = (intPart || '0') + fracPart;
  let point = (intPart || '0').length + shift;
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  digits = digits.padEnd(point + 1, '0');
  const whole = BigInt(digits.slice(0, point) || '0');
  const roundUp = (digits[point] ?? '0') >= '5' ? 1n : 0n;
  const result = Number(whole + roundUp);
  if (!Number.isSafeInteger(result)) return undefined;
  return minus ? -result : result;
}

interface SampledValue {
  value?: unknown;
  context?: unknown;
  format?: unknown;
  measurand?: unknown;
  phase?: unknown;
  location?: unknown;
  unit?: unknown;
}

function asArray<T>(value: unknown): T[] {
  if (Array.isArray(value)) return value as T[];
  return value && typeof value === 'object' ? [value as T] : [];
}

function scaledValue(sv: SampledValue, kind: 'energy' | 'power'): number | undefined {
  if (sv.format === 'SignedData' || typeof sv.value !== 'string' && typeof sv.value !== 'number') return undefined;
  const unit = typeof sv.unit === 'string' ? sv.unit : kind === 'energy' ? 'Wh' : 'W';
  const text = String(sv.value);
  if (kind === 'energy') {
    if (unit === 'kWh') return decimalToScaledInteger(text, 3);
    if (unit === 'Wh') return decimalToScaledInteger(text, 0);
    return undefined;
  }
  if (unit === 'kW') return decimalToScaledInteger(text, 3);
  if (unit === 'W') return decimalToScaledInteger(text, 0);
  return undefined;
}

/** The overall value if the charger sent one, else the sum of the phase values. */
function combine(values: SampledValue[], kind: 'energy' | 'power'): number | undefined {
  const usable = values.filter((sv) => sv.location === undefined || sv.location === 'Outlet' || sv.location === 'Inlet');
  const overall = usable.filter((sv) => sv.phase === undefined);
  for (const sv of overall) {
    const v = scaledValue(sv, kind);
    if (v !== undefined) return v;
  }
  const phases = usable.filter((sv) => typeof sv.phase === 'string' && PHASES_TO_SUM.has(sv.phase));
  const parsed = phases.map((sv) => scaledValue(sv, kind)).filter((v): v is number => v !== undefined);
  return parsed.length > 0 ? parsed.reduce((a, b) => a + b, 0) : undefined;
}

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * OCPP timestamps are RFC 3339 in UTC, but chargers send "+02" offsets,
 * a space instead of "T" or no zone at all (read as UTC, as the spec
 * intends). Anything unreadable falls back to the time of receipt.
 */
export function parseOcppTimestamp(value: unknown, fallback: Date): Date {
  if (typeof value !== 'string') return fallback;
  const match = TIMESTAMP.exec(value.trim());
  if (!match) return fallback;
  const [, date, time, zone] = match;
  let offset = 'Z';
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    offset = `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || '00'}`;
  }
  const parsed = new Date(`${date}T${time!.replace(',', '.')}${offset}`);
  return Number.isNaN(parsed.getTime()) ? fallback : parsed;
}

export function normalizeMeterValues(meterValue: unknown, receivedAt: Date): MeterReading[] {
  const readings: MeterReading[] = [];
  for (const mv of asArray<{ timestamp?: unknown; sampledValue?: unknown }>(meterValue)) {
    const sampled = asArray<SampledValue>(mv.sampledValue);
    const byMeasurand = (measurand: string) =>
      sampled.filter((sv) => (typeof sv.measurand === 'string' ? sv.measurand : 'Energy.Active.Import.Register') === measurand);
    const reading: MeterReading = { at: parseOcppTimestamp(mv.timestamp, receivedAt) };
    const energy = combine(byMeasurand('Energy.Active.Import.Register'), 'energy');
    const power = combine(byMeasurand('Power.Active.Import'), 'power');
    if (energy !== undefined && energy >= 0) reading.energyWh = energy;
    if (power !== undefined) reading.powerW = Math.max(0, power);
    const context = sampled.find((sv) => typeof sv.context === 'string')?.context;
    if (typeof context === 'string') reading.context = context;
    if (reading.energyWh !== undefined || reading.powerW !== undefined) readings.push(reading);
  }
  return readings.sort((a, b) => a.at.getTime() - b.at.getTime());
}
