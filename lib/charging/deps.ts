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
  /** Stop requested but no StopTransaction within this: settle on the last reading and flag for review. */
  stopDeadlineSeconds: number;
  /** How often the budget guard looks at a charging session even when no meter values arrive. */
  budgetWatchIntervalSeconds: number;
  /** How long a RemoteStop takes to stop the energy, as the budget guard assumes. */
  stopLatencySeconds: number;
  /** Meter interval assumed until a charger's own interval is known. */
  defaultSampleIntervalSeconds: number;
  /** Payments a client may start within checkoutRateWindowSeconds. */
  checkoutRateLimit: number;
  checkoutRateWindowSeconds: number;
}

export const DEFAULT_CHARGING_SETTINGS: Omit<ChargingSettings, 'publicBaseUrl'> = {
  paymentPollFirstSeconds: 5,
  paymentPollIntervalSeconds: 2,
  startTimeoutSeconds: 180,
  pendingHoldSeconds: 90,
  stopDeadlineSeconds: 6 * 3600,
  budgetWatchIntervalSeconds: 15,
  stopLatencySeconds: 30,
  defaultSampleIntervalSeconds: 60,
  checkoutRateLimit: 5,
  checkoutRateWindowSeconds: 600,
};

/** The part of the dependencies the dispatcher needs. */
export function dispatchDeps(deps: ChargingDeps) {
  const { startTimeoutSeconds, stopDeadlineSeconds, budgetWatchIntervalSeconds } = deps.settings;
  return {
    db: deps.db,
    clock: deps.clock,
    effectDelaysSeconds: {
      'start-timeout': startTimeoutSeconds,
      'stop-deadline': stopDeadlineSeconds,
      'budget-watch': budgetWatchIntervalSeconds,
    },
  };
}
