import { describe, expect, it } from 'vitest';
import { decimalToScaledInteger, normalizeMeterValues, parseOcppTimestamp } from './meter-values';

const at = new Date('2026-11-23T14:00:00Z');

describe('normalizeMeterValues', () => {
  it('reads the energy register in Wh (the default unit and measurand) and power in W', () => {
    const readings = normalizeMeterValues(
      [
        {
          timestamp: '2026-11-23T14:02:00Z',
          sampledValue: [{ value: '1234567' }, { value: '7360.4', measurand: 'Power.Active.Import', unit: 'W' }],
        },
      ],
      at,
    );
    expect(readings).toEqual([{ at: new Date('2026-11-23T14:02:00Z'), energyWh: 1_234_567, powerW: 7360 }]);
  });

  it('converts kWh and kW strings to integers without floating point', () => {
    const [reading] = normalizeMeterValues(
      [
        {
          timestamp: '2026-11-23T14:02:00Z',
          sampledValue: [
            { value: '1.625', unit: 'kWh', measurand: 'Energy.Active.Import.Register' },
            { value: '11.04', unit: 'kW', measurand: 'Power.Active.Import' },
          ],
        },
      ],
      at,
    );
    expect(reading).toMatchObject({ energyWh: 1625, powerW: 11_040 });
  });

  it('sums phase registers when there is no overall value, and prefers the overall one when there is', () => {
    const phases = ['L1', 'L2', 'L3'].map((phase, i) => ({ value: `${100 + i}.5`, unit: 'kWh', phase }));
    expect(normalizeMeterValues([{ timestamp: '2026-11-23T14:02:00Z', sampledValue: phases }], at)[0]!.energyWh).toBe(304_500);
    const withTotal = [...phases, { value: '304.6', unit: 'kWh' }];
    expect(normalizeMeterValues([{ timestamp: '2026-11-23T14:02:00Z', sampledValue: withTotal }], at)[0]!.energyWh).toBe(304_600);
  });

  it('accepts a single object where the schema wants an array, skips signed and EV-side values', () => {
    const readings = normalizeMeterValues(
      {
        timestamp: '2026-11-23T14:02:00Z',
        sampledValue: [
          { value: 'c2lnbmVk', format: 'SignedData' },
          { value: '80', measurand: 'Energy.Active.Import.Register', location: 'EV' },
          { value: '5000', measurand: 'Energy.Active.Import.Register' },
        ],
      },
      at,
    );
    expect(readings).toEqual([{ at: new Date('2026-11-23T14:02:00Z'), energyWh: 5000 }]);
  });

  it('drops readings with nothing usable and sorts the rest by time', () => {
    const readings = normalizeMeterValues(
      [
        { timestamp: '2026-11-23T14:05:00Z', sampledValue: [{ value: '20' }] },
        { timestamp: '2026-11-23T14:01:00Z', sampledValue: [{ value: '10' }] },
        { timestamp: '2026-11-23T14:03:00Z', sampledValue: [{ value: 'n/a' }] },
      ],
      at,
    );
    expect(readings.map((r) => r.energyWh)).toEqual([10, 20]);
  });
});

describe('decimalToScaledInteger', () => {
  it.each([
    ['12.345', 3, 12_345],
    ['0.0005', 3, 1],
    ['1e3', 0, 1000],
    ['1234.4', 0, 1234],
    ['-2.5', 3, -2500],
    ['abc', 0, undefined],
    ['', 0, undefined],
  ])('%s × 10^%i = %s', (text, scale, expected) => {
    expect(decimalToScaledInteger(text, scale)).toBe(expected);
  });
});

describe('parseOcppTimestamp', () => {
  it.each([
    ['2026-11-23T14:02:00Z', '2026-11-23T14:02:00.000Z'],
    ['2026-11-23T14:02:00.123456Z', '2026-11-23T14:02:00.123Z'],
    ['2026-11-23T16:02:00+02', '2026-11-23T14:02:00.000Z'],
    ['2026-11-23T16:02:00+0200', '2026-11-23T14:02:00.000Z'],
    ['2026-11-23 14:02:00', '2026-11-23T14:02:00.000Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseOcppTimestamp(text, at).toISOString()).toBe(iso);
  });

  it('falls back to the time of receipt for anything unreadable', () => {
    expect(parseOcppTimestamp('yesterday', at)).toBe(at);
    expect(parseOcppTimestamp(undefined, at)).toBe(at);
  });
});
