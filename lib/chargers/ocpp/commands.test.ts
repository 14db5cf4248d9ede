import { describe, expect, it } from 'vitest';
import { profileLimitW } from '../simulator/central-system-calls';
import { chargingSchedule } from './commands';

describe('power limits as charging schedules', () => {
  it('uses watts when the charger schedules in W', () => {
    expect(chargingSchedule(3700, 'W')).toEqual({ chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 3700 }] });
  });

  it('converts to tenths of an ampere on three phases, rounded down so the cap holds', () => {
    const schedule = chargingSchedule(11_000, 'A');
    expect(schedule).toEqual({ chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 15.9, numberPhases: 3 }] });
    // What a charger makes of it never exceeds the cap.
    expect(profileLimitW({ chargingSchedule: schedule })).toBeLessThanOrEqual(11_000);
  });
});
