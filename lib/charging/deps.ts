import type { ChargerControl } from '@/lib/chargers/charger-control';
import type { Clock } from '@/lib/clock';
import type { Db } from '@/lib/db/client';
import type { Logger } from '@/lib/logger';
import type { Payments } from '@/lib/payments/vipps/payments';

/** Everything the charging engine works with, handed in so it runs the same in tests. */
export interface ChargingDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  payments: Payments;
  chargers: ChargerControl;
  settings: ChargingSettings;
  /** Server key from which session tokens are derived (see identifiers.ts). */
  sessionTokenKey: Buffer;
}

export interface ChargingSettings {
  publicBaseUrl: string;
  /** First status poll after creating a payment (Vipps: about 5 s). */
  paymentPollFirstSeconds: number;
  /** Poll interval while the driver waits (Vipps: 2 s). */
  paymentPollIntervalSeconds: number;
  /** Authorised but no StartTransaction within this: give up and release the reservation. */
  startTimeoutSeconds: number;
  /** How long a payment that is being approved holds the connector against other drivers. */
  pendingHoldSeconds: number;
}

export const DEFAULT_CHARGING_SETTINGS: Omit<ChargingSettings, 'publicBaseUrl'> = {
  paymentPollFirstSeconds: 5,
  paymentPollIntervalSeconds: 2,
  startTimeoutSeconds: 180,
  pendingHoldSeconds: 90,
};

/** The part of the dependencies the dispatcher needs. */
export function dispatchDeps(deps: ChargingDeps) {
  return { db: deps.db, clock: deps.clock, startTimeoutSeconds: deps.settings.startTimeoutSeconds };
}
