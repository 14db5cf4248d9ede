import type { Clock } from '@/lib/clock';
import type { Db, DbOrTx } from '@/lib/db/client';
import { meterSamples } from '@/lib/db/schema';
import type { Logger } from '@/lib/logger';
import type { ChargerEventSink } from '../charger-control';
import { decimalToScaledInteger, type MeterReading } from './meter-values';
import type { SerialLanes } from './serial-lanes';

/** What the handlers of charger-initiated messages work with. */
export interface InboundDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  sink: ChargerEventSink;
  /** Per-charger order for work done after a message was answered. */
  lanes: SerialLanes;
}

export type OcppParams = Record<string, unknown>;

/** Runs work after the current answer has been written to the socket, in the charger's order. */
export function afterReply(deps: InboundDeps, chargerId: string, what: string, work: () => Promise<void>): void {
  setImmediate(() => {
    deps.lanes.run(chargerId, work).catch((error: unknown) =>
      deps.logger.error(`processing ${what} failed`, { chargerId, error: error instanceof Error ? error.message : String(error) }),
    );
  });
}

export async function storeMeterSamples(
  db: DbOrTx,
  chargerId: string,
  transactionId: number | null,
  readings: MeterReading[],
  defaultContext: string | null,
): Promise<void> {
  if (readings.length === 0) return;
  await db.insert(meterSamples).values(
    readings.map((r) => ({
      chargerId,
      transactionId,
      sampledAt: r.at,
      energyWh: r.energyWh ?? null,
      powerW: r.powerW ?? null,
      context: r.context ?? defaultContext,
    })),
  );
}

/** A whole number from a JSON number or a numeric string ("1234", "1234.0"), as tolerant chargers need. */
export function integerParam(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(Math.round(value)) ? Math.round(value) : undefined;
  if (typeof value === 'string') return decimalToScaledInteger(value, 0);
  return undefined;
}
