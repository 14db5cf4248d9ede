import { DEFAULT_EV, EvBattery, type EvBatteryOptions } from './ev-battery';
import { sampledValues, type MeterFormat } from './meter-format';

/**
 * The charger's energy meter and power electronics: an absolute register
 * in Wh (kept exact through a joule remainder), the car on the cable, and
 * the power the charger offers — its rating, lowered by charging profiles.
 */

export type ChargingProfileLimit = 'TxProfile' | 'TxDefaultProfile' | 'ChargePointMaxProfile';

const NOMINAL_VOLTAGE = 230;

export class SimulatedMeter {
  private carryJoules = 0;
  private limits: Partial<Record<ChargingProfileLimit, number>> = {};
  private ev: EvBattery;
  registerWh: number;
  /** What the car drew at the last reading, W. */
  powerW = 0;

  constructor(
    registerWh: number,
    private ratedPowerW: number,
    ev: Partial<EvBatteryOptions> | undefined,
    private readonly format: MeterFormat,
  ) {
    this.registerWh = registerWh;
    this.ev = this.newCar(ev);
  }

  get socPercent(): number {
    return this.ev.socPercent;
  }

  get carFull(): boolean {
    return this.ev.full;
  }

  plugInCar(ev: Partial<EvBatteryOptions> | undefined): void {
    if (ev) this.ev = this.newCar(ev);
  }

  setRatedPower(watts: number): void {
    this.ratedPowerW = watts;
  }

  setLimit(purpose: ChargingProfileLimit, watts: number | undefined): void {
    if (watts === undefined) delete this.limits[purpose];
    else this.limits[purpose] = watts;
  }

  clearLimits(): void {
    this.limits = {};
  }

  /** What the charger offers now: its rating under the charge point cap and the transaction's (or default) profile. */
  offeredPowerW(): number {
    const txLimit = this.limits.TxProfile ?? this.limits.TxDefaultProfile;
    return Math.min(this.ratedPowerW, this.limits.ChargePointMaxProfile ?? Infinity, txLimit ?? Infinity);
  }

  /** `seconds` of charging at what the car takes of `offeredW`. */
  charge(offeredW: number, seconds: number): void {
    this.addJoules(this.ev.charge(offeredW, seconds));
    this.powerW = this.ev.acceptedPowerW(offeredW);
  }

  /** Exactly `wh` more, as a test says. */
  deliver(wh: number, powerW: number): void {
    this.addJoules(wh * 3600);
    this.ev.add(wh * 3600);
    this.powerW = powerW;
  }

  sampledValues(measurands: string[], context: string) {
    const snapshot = { registerWh: this.registerWh, powerW: this.powerW, socPercent: this.ev.socPercent, voltageV: NOMINAL_VOLTAGE };
    return sampledValues(snapshot, measurands, context, this.format);
  }

  private addJoules(joules: number): void {
    this.carryJoules += joules;
    const wh = Math.floor(this.carryJoules / 3600);
    this.registerWh += wh;
    this.carryJoules -= wh * 3600;
  }

  private newCar(ev: Partial<EvBatteryOptions> | undefined): EvBattery {
    return new EvBattery({ ...DEFAULT_EV, maxPowerW: this.ratedPowerW, ...ev });
  }
}
