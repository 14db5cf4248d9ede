/**
 * A simple electric car on the cable: it takes what the charger offers up
 * to its own maximum, tapers from 80 % state of charge (constant current,
 * then constant voltage, as lithium-ion packs do) and takes nothing once
 * full. Energy is kept in joules (W·s) as integers so registers stay exact.
 */

export interface EvBatteryOptions {
  /** Usable capacity, Wh. */
  capacityWh: number;
  /** State of charge when plugged in, 0–100. */
  socPercent: number;
  /** The most the car's charger accepts, W. */
  maxPowerW: number;
}

export const DEFAULT_EV: EvBatteryOptions = { capacityWh: 60_000, socPercent: 20, maxPowerW: 11_000 };

const TAPER_FROM = 0.8;
/** Near full the car still takes a trickle, so it actually gets there. */
const MIN_TAPER = 0.1;
const JOULES_PER_WH = 3600;

export class EvBattery {
  private readonly capacityJ: number;
  private storedJ: number;

  constructor(readonly options: EvBatteryOptions) {
    this.capacityJ = options.capacityWh * JOULES_PER_WH;
    this.storedJ = Math.round((this.capacityJ * Math.min(100, Math.max(0, options.socPercent))) / 100);
  }

  get socPercent(): number {
    return Math.floor((this.storedJ * 100) / this.capacityJ);
  }

  get full(): boolean {
    return this.storedJ >= this.capacityJ;
  }

  /** What the car draws when the charger offers `offeredW`. */
  acceptedPowerW(offeredW: number): number {
    if (this.full) return 0;
    const ceiling = Math.min(offeredW, this.options.maxPowerW);
    const soc = this.storedJ / this.capacityJ;
    if (soc < TAPER_FROM) return Math.max(0, ceiling);
    const taper = Math.max(MIN_TAPER, (1 - soc) / (1 - TAPER_FROM));
    return Math.max(0, Math.floor(ceiling * taper));
  }

  /**
   * Charges for `seconds` at what the car accepts (recomputed every
   * second, since the taper changes the power) and returns the joules that
   * went in; stops exactly at full.
   */
  charge(offeredW: number, seconds: number): number {
    let delivered = 0;
    for (let elapsed = 0; elapsed < seconds && !this.full; elapsed += 1) {
      const step = Math.min(1, seconds - elapsed);
      const joules = Math.min(Math.round(this.acceptedPowerW(offeredW) * step), this.capacityJ - this.storedJ);
      if (joules <= 0) break;
      this.storedJ += joules;
      delivered += joules;
    }
    return delivered;
  }

  /** Energy put in by other means (a test saying "deliver this much"). */
  add(joules: number): void {
    this.storedJ = Math.min(this.capacityJ, this.storedJ + joules);
  }
}
