import { describe, expect, it } from 'vitest';
import { idleTailSeconds, meterAnomaly, sessionUsage, type RegisterSample } from './usage';

const t = (minutes: number) => new Date(Date.UTC(2026, 10, 23, 14, 0) + minutes * 60_000);
const reading = (minutes: number, energyWh: number): RegisterSample => ({ at: t(minutes), energyWh, powerW: null });
const tx = (meterStopWh: number, stopMinute: number) => ({ meterStartWh: 1_000_000, meterStopWh, startedAt: t(0), stoppedAt: t(stopMinute) });

describe('idle time', () => {
  it('counts the tail after the car stopped drawing power', () => {
    // 11 kW for 60 minutes, then flat for 40 minutes until the driver unplugs.
    const samples = [reading(30, 1_005_500), reading(60, 1_011_000), reading(70, 1_011_000), reading(100, 1_011_000)];
    expect(idleTailSeconds(samples, tx(1_011_000, 100))).toBe(40 * 60);
  });

  it('is zero while the car draws power until the stop', () => {
    const samples = [reading(30, 1_005_500), reading(60, 1_011_000)];
    expect(idleTailSeconds(samples, tx(1_012_000, 65))).toBe(0);
  });

  it('treats a trickle below 200 W as idle', () => {
    // 50 Wh over 30 minutes = 100 W average: balancing a full battery.
    const samples = [reading(60, 1_011_000), reading(90, 1_011_050)];
    expect(idleTailSeconds(samples, tx(1_011_050, 90))).toBe(30 * 60);
  });

  it('charges no idle fee for a session that never drew power', () => {
    expect(idleTailSeconds([reading(10, 1_000_000)], tx(1_000_000, 20))).toBe(0);
  });

  it('derives usage from the transaction', () => {
    expect(sessionUsage([], tx(1_012_345, 61))).toEqual({ energyWh: 12_345, chargingSeconds: 61 * 60, idleSeconds: 0 });
  });
});

describe('meter anomalies', () => {
  const maxPowerW = 22_000;

  it('accepts a plausible session', () => {
    expect(meterAnomaly([reading(30, 1_005_500), reading(60, 1_011_000)], tx(1_011_100, 61), maxPowerW)).toBeUndefined();
  });

  it('flags a stop register below the start', () => {
    expect(meterAnomaly([], tx(999_000, 10), maxPowerW)).toMatch(/below meterStart/);
  });

  it('flags a jump no charger of that power could deliver', () => {
    // 50 kWh in 10 minutes from a 22 kW charger.
    expect(meterAnomaly([], tx(1_050_000, 10), maxPowerW)).toMatch(/more than a 22000 W charger/);
    expect(meterAnomaly([reading(5, 1_001_000), reading(6, 1_030_000)], tx(1_030_000, 60), maxPowerW)).toMatch(/charger can deliver/);
  });

  it('flags meterStop disagreeing with the readings by more than 1 %', () => {
    // The charger itself reported 10 kWh at the stop but meterStop says 9 kWh.
    expect(meterAnomaly([reading(60, 1_010_000)], tx(1_009_000, 60), maxPowerW)).toMatch(/differ|exceeds/);
    // Within 1 %: fine.
    expect(meterAnomaly([reading(60, 1_010_050)], tx(1_010_000, 60), maxPowerW)).toBeUndefined();
    // Its own Transaction.End reading says 1.5 kWh less than meterStop.
    const end = { at: t(30), energyWh: 1_006_000, powerW: null, context: 'Transaction.End' };
    expect(meterAnomaly([reading(20, 1_005_000), end], tx(1_007_500, 30), maxPowerW)).toBeDefined();
  });

  it('does not take a reading from the start of a short session for one at the stop', () => {
    // Four seconds of charging: the Transaction.Begin reading is close in time to the stop, and that is fine.
    const begin = { at: new Date(t(0).getTime() + 500), energyWh: 1_000_000, powerW: 0, context: 'Transaction.Begin' };
    const end = { at: new Date(t(0).getTime() + 4_000), energyWh: 1_000_012, powerW: null, context: 'Transaction.End' };
    const short = { meterStartWh: 1_000_000, meterStopWh: 1_000_012, startedAt: t(0), stoppedAt: new Date(t(0).getTime() + 4_000) };
    expect(meterAnomaly([begin, end], short, maxPowerW)).toBeUndefined();
  });
});
