import type { Tx } from '@/lib/db/client';
import type { MeterReading } from './ocpp/meter-values';

/**
 * The boundary between the charging engine and the chargers. The engine
 * sends commands through ChargerControl and learns what chargers do through
 * the ChargerEventSink it hands to the central system.
 */

export type IdTagStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';

export class ChargerOfflineError extends Error {
  override name = 'ChargerOfflineError';
  constructor(readonly chargerId: string) {
    super(`charger ${chargerId} is not connected`);
  }
}

/** The charger answered a command with a CALLERROR or did not answer in time. */
export class ChargerCommandError extends Error {
  override name = 'ChargerCommandError';
}

export interface RemoteStartRequest {
  chargerId: string;
  connectorId: number;
  idTag: string;
  /** Optional power cap sent as a TxProfile with the start. */
  maxPowerW?: number;
}

export interface ChargerControl {
  /**
   * Whether the charger has a live socket on any app instance. Synchronous,
   * so for a socket on another instance it answers from a cache refreshed
   * every few seconds; `isOnline` reads the database.
   */
  isConnected(chargerId: string): boolean;
  remoteStart(request: RemoteStartRequest): Promise<'Accepted' | 'Rejected'>;
  remoteStop(request: { chargerId: string; transactionId: number }): Promise<'Accepted' | 'Rejected'>;
  /** Asks for a fresh MeterValues message (TriggerMessage). */
  requestMeterValues(request: { chargerId: string; connectorId: number }): Promise<'Accepted' | 'Rejected' | 'NotImplemented'>;
  /** Whether the charger has a live socket on any instance, read from the database. */
  isOnline?(chargerId: string): Promise<boolean>;
  /**
   * Caps the power of a running transaction (SetChargingProfile, TxProfile
   * in W), e.g. to bound the overrun of a budget. 0 W pauses charging on
   * chargers that support it; they answer NotSupported without SmartCharging.
   */
  setPowerLimit?(request: {
    chargerId: string;
    connectorId: number;
    transactionId: number;
    maxPowerW: number;
  }): Promise<'Accepted' | 'Rejected' | 'NotSupported'>;
}

export type ChargingProfilePurpose = 'ChargePointMaxProfile' | 'TxDefaultProfile' | 'TxProfile';

/** A power limit as one OCPP charging profile (W, starting now, no end). */
export interface PowerLimitProfile {
  chargerId: string;
  /** 0 for ChargePointMaxProfile (the whole charger). */
  connectorId: number;
  purpose: ChargingProfilePurpose;
  maxPowerW: number;
  /** Required for TxProfile: the running transaction it applies to. */
  transactionId?: number;
  /** Charging profile id; profiles with the same id replace each other. */
  profileId?: number;
  stackLevel?: number;
}

export interface ConfigurationKeyValue {
  key: string;
  readonly: boolean;
  value?: string;
}

/**
 * Operator commands (for the admin area). Every command goes to the
 * charger's socket wherever it is connected; a charger that is offline
 * raises ChargerOfflineError, a CALLERROR or timeout ChargerCommandError.
 */
export interface ChargerAdmin {
  setChargingProfile(profile: PowerLimitProfile): Promise<'Accepted' | 'Rejected' | 'NotSupported'>;
  clearChargingProfile(request: {
    chargerId: string;
    connectorId?: number;
    purpose?: ChargingProfilePurpose;
    profileId?: number;
  }): Promise<'Accepted' | 'Unknown'>;
  changeAvailability(request: {
    chargerId: string;
    /** 0 for the whole charger. */
    connectorId: number;
    type: 'Operative' | 'Inoperative';
  }): Promise<'Accepted' | 'Rejected' | 'Scheduled'>;
  reset(request: { chargerId: string; type: 'Soft' | 'Hard' }): Promise<'Accepted' | 'Rejected'>;
  unlockConnector(request: { chargerId: string; connectorId: number }): Promise<'Unlocked' | 'UnlockFailed' | 'NotSupported'>;
  triggerMessage(request: {
    chargerId: string;
    requestedMessage: 'BootNotification' | 'DiagnosticsStatusNotification' | 'FirmwareStatusNotification' | 'Heartbeat' | 'MeterValues' | 'StatusNotification';
    connectorId?: number;
  }): Promise<'Accepted' | 'Rejected' | 'NotImplemented'>;
  getConfiguration(request: { chargerId: string; keys?: string[] }): Promise<{ configurationKey: ConfigurationKeyValue[]; unknownKey: string[] }>;
  changeConfiguration(request: {
    chargerId: string;
    key: string;
    value: string;
  }): Promise<'Accepted' | 'Rejected' | 'RebootRequired' | 'NotSupported'>;
}

export interface TransactionStartedEvent {
  chargerId: string;
  connectorId: number;
  idTag: string;
  transactionId: number;
  meterStartWh: number;
  startedAt: Date;
}

export interface MeterValuesEvent {
  chargerId: string;
  connectorId: number;
  transactionId: number;
  readings: MeterReading[];
}

export interface TransactionStoppedEvent {
  chargerId: string;
  transactionId: number;
  idTag: string;
  meterStartWh: number;
  meterStopWh: number;
  stoppedAt: Date;
  reason: string;
}

export interface ConnectorStatusEvent {
  chargerId: string;
  connectorId: number;
  status: string;
  errorCode: string;
  at: Date;
}

export interface ChargerEventSink {
  /** May this idTag start a transaction here? Asked before answering StartTransaction. */
  authorizeStart(query: { chargerId: string; connectorId: number; idTag: string }): Promise<IdTagStatus>;
  /** After the transaction is stored; called again for a repeated StartTransaction, so it must be idempotent. */
  transactionStarted(event: TransactionStartedEvent): Promise<void>;
  meterValues(event: MeterValuesEvent): Promise<void>;
  /** Inside the database transaction that stores the stop: record the work, answer the charger, do it later. */
  transactionStopped(tx: Tx, event: TransactionStoppedEvent): Promise<void>;
  connectorStatus(event: ConnectorStatusEvent): Promise<void>;
  connectivity(event: { chargerId: string; online: boolean }): Promise<void>;
  /**
   * A new transaction started on a connector whose earlier transaction never reported its stop: the
   * earlier one has ended on the charger, at the latest when the new one began.
   */
  transactionSuperseded?(event: { chargerId: string; connectorId: number; transactionId: number; supersededAt: Date }): Promise<void>;
}
