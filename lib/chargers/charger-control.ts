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
  isConnected(chargerId: string): boolean;
  remoteStart(request: RemoteStartRequest): Promise<'Accepted' | 'Rejected'>;
  remoteStop(request: { chargerId: string; transactionId: number }): Promise<'Accepted' | 'Rejected'>;
  /** Asks for a fresh MeterValues message (TriggerMessage). */
  requestMeterValues(request: { chargerId: string; connectorId: number }): Promise<'Accepted' | 'Rejected' | 'NotImplemented'>;
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
}
