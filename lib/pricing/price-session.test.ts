import { describe, expect, it } from 'vitest';
import { splitVat } from './arithmetic';
import { formatKwh, formatMinorUnits } from './format';
import { priceSession } from './price-session';
import { flatEnergyTariff, parseTariff, tariffHash } from './tariff';

const demo1 = flatEnergyTariff('NOK', 490, 2500); // 4.90 NOK/kWh incl. 25 % VAT

describe('priceSession', () => {
  it('prices DEMO-1 energy at 4.90 NOK/kWh, rounding the line once', () => {
    // 12.345 kWh × 4.90 = 60.4905 NOK → 60.49
    const price = priceSession(demo1, { energyWh: 12_345, chargingSeconds: 3600, idleSeconds: 0 });
    expect(price.total).toBe(6049);
    expect(price.lines).toHaveLength(1);
    expect(price.lines[0]).toMatchObject({ kind: 'energy', quantity: 12_345, unitPrice: 490, totalAmount: 6049 });
  });

  it('rounds half an øre up', () => {
    // 0.5 øre exactly: 1 Wh at 500 øre/kWh = 0.5 øre → 1
    expect(priceSession(flatEnergyTariff('NOK', 500, 2500), { energyWh: 1, chargingSeconds: 0, idleSeconds: 0 }).total).toBe(1);
    // 0.49 øre: 1 Wh at 490 øre/kWh → 0
    expect(priceSession(demo1, { energyWh: 1, chargingSeconds: 0, idleSeconds: 0 }).total).toBe(0);
  });

  it('splits VAT per line so the line adds up exactly', () => {
    const price = priceSession(demo1, { energyWh: 10_000, chargingSeconds: 0, idleSeconds: 0 });
    const [energy] = price.lines;
    expect(energy!.totalAmount).toBe(4900); // 49.00 NOK
    expect(energy!.totalAmountExcludingTax).toBe(3920); // 39.20 NOK
    expect(energy!.totalTaxAmount).toBe(980); // 9.80 NOK
    expect(energy!.taxRateBp).toBe(2500);
  });

  it('captures nothing for a session without energy or fees', () => {
    const price = priceSession(demo1, { energyWh: 0, chargingSeconds: 1200, idleSeconds: 600 });
    expect(price.total).toBe(0);
    expect(price.lines).toEqual([]);
  });

  it('prices energy across tiers by the energy delivered in the session', () => {
    const tiered = parseTariff({
      currency: 'NOK',
      vatRateBp: 2500,
      energyTiers: [
        { fromWh: 0, pricePerKwh: 400 },
        { fromWh: 20_000, pricePerKwh: 600 },
      ],
    });
    // 20 kWh × 4.00 + 5 kWh × 6.00 = 110.00 NOK
    expect(priceSession(tiered, { energyWh: 25_000, chargingSeconds: 0, idleSeconds: 0 }).total).toBe(11_000);
    // below the second tier only the first applies: 19.999 kWh × 4.00 = 79.996 → 80.00
    expect(priceSession(tiered, { energyWh: 19_999, chargingSeconds: 0, idleSeconds: 0 }).total).toBe(8000);
  });

  it('adds time, session fee and idle fee lines, each rounded once', () => {
    const full = parseTariff({
      currency: 'NOK',
      vatRateBp: 2500,
      energyTiers: [{ fromWh: 0, pricePerKwh: 390 }],
      pricePerMinute: 25, // 0.25 NOK/min
      sessionFee: 500, // 5.00 NOK
      idleFeePerMinute: 100, // 1.00 NOK/min after grace
      idleGraceMinutes: 10,
    });
    const price = priceSession(full, { energyWh: 7_777, chargingSeconds: 2_890, idleSeconds: 900 });
    const byKind = Object.fromEntries(price.lines.map((l) => [l.kind, l.totalAmount]));
    expect(byKind).toEqual({
      energy: 3033, // 7.777 × 3.90 = 30.3303 → 30.33
      time: 1204, // 2890 s × 0.25/60 = 12.0417 → 12.04
      session_fee: 500,
      idle_fee: 500, // (900 − 600) s × 1.00/60 = 5.00
    });
    expect(price.total).toBe(3033 + 1204 + 500 + 500);
    expect(price.totalExcludingTax + price.totalTax).toBe(price.total);
  });

  it('does not charge the session fee when no energy was delivered', () => {
    const withFee = parseTariff({ currency: 'NOK', vatRateBp: 2500, energyTiers: [{ fromWh: 0, pricePerKwh: 490 }], sessionFee: 900 });
    expect(priceSession(withFee, { energyWh: 0, chargingSeconds: 60, idleSeconds: 0 }).total).toBe(0);
  });

  it('rejects fractional or negative usage', () => {
    expect(() => priceSession(demo1, { energyWh: 1.5, chargingSeconds: 0, idleSeconds: 0 })).toThrow(RangeError);
    expect(() => priceSession(demo1, { energyWh: -1, chargingSeconds: 0, idleSeconds: 0 })).toThrow(RangeError);
  });
});

describe('splitVat', () => {
  it('matches the Vipps receipt example (140.50 NOK at 25 %)', () => {
    expect(splitVat(14_050, 2500)).toEqual({ excludingTax: 11_240, tax: 2_810 });
  });
  it('handles zero VAT', () => {
    expect(splitVat(1234, 0)).toEqual({ excludingTax: 1234, tax: 0 });
  });
});

describe('tariff', () => {
  it('rejects tiers that do not start at zero or do not increase', () => {
    expect(() => parseTariff({ currency: 'NOK', vatRateBp: 2500, energyTiers: [{ fromWh: 5, pricePerKwh: 1 }] })).toThrow();
    expect(() =>
      parseTariff({
        currency: 'NOK',
        vatRateBp: 2500,
        energyTiers: [
          { fromWh: 0, pricePerKwh: 1 },
          { fromWh: 0, pricePerKwh: 2 },
        ],
      }),
    ).toThrow();
  });
  it('hashes by content', () => {
    expect(tariffHash(flatEnergyTariff('NOK', 490, 2500))).toBe(tariffHash(demo1));
    expect(tariffHash(flatEnergyTariff('NOK', 491, 2500))).not.toBe(tariffHash(demo1));
  });
});

describe('format', () => {
  it('formats minor units and energy from integers', () => {
    expect(formatMinorUnits(490, 'NOK')).toBe('4.90 NOK');
    expect(formatMinorUnits(123_456, 'EUR')).toBe('1,234.56 EUR');
    expect(formatKwh(12_345)).toBe('12.345');
    expect(formatKwh(5)).toBe('0.005');
  });
});
