/**
 * Builds MeterValues sampled values the way different real chargers do:
 * the energy register in Wh or in kWh ("1234.567"), as one overall value
 * or split over three phases (L1, L2, L3 that add up to the total), plus
 * whichever other measurands the charger was configured to sample.
 */

export interface MeterFormat {
  energyUnit: 'Wh' | 'kWh';
  /** 3: registers and power per phase, without an overall value. */
  phases: 1 | 3;
}

export interface MeterSnapshot {
  registerWh: number;
  powerW: number;
  socPercent: number;
  voltageV: number;
}

/** Integer Wh as a kWh decimal string, without going through floats. */
export function whToKwhText(wh: number): string {
  const sign = wh < 0 ? '-' : '';
  const abs = Math.abs(wh);
  return `${sign}${Math.floor(abs / 1000)}.${String(abs % 1000).padStart(3, '0')}`;
}

/** Splits an integer into three integers that add up to it. */
function perPhase(total: number): [number, number, number] {
  const third = Math.floor(total / 3);
  return [total - 2 * third, third, third];
}

export function sampledValues(snapshot: MeterSnapshot, measurands: string[], context: string, format: MeterFormat) {
  const values: Array<Record<string, string>> = [];
  const energy = (wh: number) => (format.energyUnit === 'kWh' ? whToKwhText(wh) : String(wh));
  for (const measurand of measurands) {
    const base = { context, measurand, format: 'Raw', location: 'Outlet' };
    switch (measurand) {
      case 'Energy.Active.Import.Register':
        if (format.phases === 3) {
          perPhase(snapshot.registerWh).forEach((wh, i) => values.push({ ...base, phase: `L${i + 1}`, value: energy(wh), unit: format.energyUnit }));
        } else values.push({ ...base, value: energy(snapshot.registerWh), unit: format.energyUnit });
        break;
      case 'Power.Active.Import':
        if (format.phases === 3) {
          perPhase(snapshot.powerW).forEach((w, i) => values.push({ ...base, phase: `L${i + 1}`, value: String(w), unit: 'W' }));
        } else values.push({ ...base, value: String(snapshot.powerW), unit: 'W' });
        break;
      case 'Current.Import': {
        // Per phase at the nominal voltage, in tenths of an ampere.
        const deciAmps = Math.round((snapshot.powerW * 10) / (snapshot.voltageV * format.phases));
        values.push({ ...base, value: `${Math.floor(deciAmps / 10)}.${deciAmps % 10}`, unit: 'A' });
        break;
      }
      case 'Voltage':
        values.push({ ...base, value: String(snapshot.voltageV), unit: 'V' });
        break;
      case 'SoC':
        values.push({ ...base, location: 'EV', value: String(snapshot.socPercent), unit: 'Percent' });
        break;
    }
  }
  return values;
}
