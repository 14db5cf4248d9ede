import { describe, expect, it } from 'vitest';
import { EvBattery } from './ev-battery';
import { sampledValues, whToKwhText } from './meter-format';

describe('the simulated car', () => {
  it('takes full power below 80 % and exactly what the charger offers up to its own maximum', () => {
    const ev = new EvBattery({ capacityWh: 60_000, socPercent: 20, maxPowerW: 11_000 });
    expect(ev.acceptedPowerW(22_000)).toBe(11_000);
    expect(ev.acceptedPowerW(7_400)).toBe(7_400);
    expect(ev.charge(11_000, 3600)).toBe(11_000 * 3600); // 11 kWh in joules
    expect(ev.socPercent).toBe(38);
  });

  it('tapers above 80 % and stops exactly at full', () => {
    const ev = new EvBattery({ capacityWh: 10_000, socPercent: 90, maxPowerW: 11_000 });
    expect(ev.acceptedPowerW(11_000)).toBe(5_500); // half way through the taper
    const joules = ev.charge(11_000, 4 * 3600);
    expect(joules).toBe(1000 * 3600); // the last 10 %: 1 kWh, not a joule more
    expect(ev.full).toBe(true);
    expect(ev.acceptedPowerW(11_000)).toBe(0);
    expect(ev.charge(11_000, 600)).toBe(0);
  });
});

describe('meter formats', () => {
  it('writes kWh with three decimals without floating point', () => {
    expect(whToKwhText(1_234_567)).toBe('1234.567');
    expect(whToKwhText(5)).toBe('0.005');
  });

  it('splits registers over three phases that add up to the total', () => {
    const values = sampledValues(
      { registerWh: 1_000_000, powerW: 11_000, socPercent: 50, voltageV: 230 },
      ['Energy.Active.Import.Register'],
      'Sample.Periodic',
      { energyUnit: 'Wh', phases: 3 },
    );
    expect(values.map((v) => v.phase)).toEqual(['L1', 'L2', 'L3']);
    expect(values.reduce((sum, v) => sum + Number(v.value), 0)).toBe(1_000_000);
  });
});
