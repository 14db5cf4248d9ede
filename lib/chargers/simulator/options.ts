import type { Clock } from '@/lib/clock';
import type { Logger } from '@/lib/logger';
import { ALL_MEASURANDS } from './configuration';
import type { EvBatteryOptions } from './ev-battery';
import type { MeterFormat } from './meter-format';

export interface SimulatedChargePointOptions {
  /** Central system base, e.g. ws://localhost:3000/ocpp */
  url: string;
  id: string;
  password: string;
  connectorId?: number;
  /** The most the charger delivers, W. */
  powerW?: number;
  /**
   * Seconds between MeterValues while charging (the initial
   * MeterValueSampleInterval). 0 = manual: the test meters with `deliver`
   * or `chargeFor`, and a changed MeterValueSampleInterval is stored but
   * starts no timer.
   */
  meterIntervalSeconds?: number;
  /** The energy register at start, Wh (real registers do not start at zero). */
  registerWh?: number;
  /** Whether a car is plugged in from the start (the demo's default). */
  carPluggedIn?: boolean;
  /** The car that plugs in: battery size, state of charge, maximum power. */
  ev?: Partial<EvBatteryOptions>;
  /** How the meter reports energy: Wh or kWh strings, overall or per phase. */
  energyUnit?: MeterFormat['energyUnit'];
  phases?: MeterFormat['phases'];
  /** What the charger does with RemoteStartTransaction; 'ignore' never answers. */
  remoteStart?: 'accept' | 'reject' | 'ignore';
  /** ConnectionTimeOut: how long a remote start waits for the cable, s. */
  connectionTimeoutSeconds?: number;
  /**
   * When the socket dies before the StartTransaction answer arrives:
   * 'resend' sends the same StartTransaction again after reconnecting (the
   * spec's queue); 'minus-one' gives up on it and sends the rest of the
   * transaction with transactionId -1, as some firmwares do.
   */
  lostStartAnswer?: 'resend' | 'minus-one';
  /** Send BootNotification after every reconnect (most chargers do not). */
  bootOnReconnect?: boolean;
  reconnectDelayMs?: number;
  callTimeoutMs?: number;
  transactionMessageAttempts?: number;
  transactionMessageRetryIntervalSeconds?: number;
  /** Measurands the meter can sample; MeterValuesSampledData asking for others is Rejected. */
  supportedMeasurands?: string[];
  /** Timestamps in messages (tests pass the harness's fake clock). */
  clock?: Clock;
  strict?: boolean;
  logger?: Logger;
}

export type ResolvedOptions = Required<Omit<SimulatedChargePointOptions, 'logger' | 'clock' | 'ev'>>;

export function resolveOptions(options: SimulatedChargePointOptions): ResolvedOptions {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  return {
    connectorId: 1,
    powerW: 11_000,
    meterIntervalSeconds: 5,
    registerWh: 1_000_000,
    carPluggedIn: true,
    energyUnit: 'Wh',
    phases: 1,
    remoteStart: 'accept',
    connectionTimeoutSeconds: 120,
    lostStartAnswer: 'resend',
    bootOnReconnect: false,
    reconnectDelayMs: 500,
    callTimeoutMs: 30_000,
    transactionMessageAttempts: 3,
    transactionMessageRetryIntervalSeconds: 10,
    supportedMeasurands: ALL_MEASURANDS,
    strict: false,
    ...given,
  } as ResolvedOptions;
}
