import type { Clock } from '@/lib/clock';
import { errorMessage, type Logger } from '@/lib/logger';
import type { SimulatedConfiguration } from './configuration';
import type { SimulatedMeter } from './meter';
import type { SimulatedNetwork } from './network';
import type { ResolvedOptions } from './options';
import type { TransactionQueue } from './transaction-queue';

/**
 * The simulated charger's connector: its status (OCPP 1.6 §4.9 state
 * machine), the cable, faults, availability, and the transaction on it —
 * from the remote start (or a card) through StartTransaction, metering,
 * to the StopTransaction, all as transaction messages in the offline queue.
 */

export type ConnectorStatus =
  | 'Available'
  | 'Preparing'
  | 'Charging'
  | 'SuspendedEV'
  | 'SuspendedEVSE'
  | 'Finishing'
  | 'Faulted'
  | 'Unavailable';

interface SimTransaction {
  idTag: string;
  meterStartWh: number;
  startedAt: Date;
  /** Known once the central system answered StartTransaction; -1 when that answer was lost for good. */
  id?: number;
  energized: boolean;
}

export interface ConnectorDeps {
  id: string;
  options: ResolvedOptions;
  logger: Logger;
  clock: Clock;
  network: SimulatedNetwork;
  queue: TransactionQueue;
  meter: SimulatedMeter;
  configuration: SimulatedConfiguration;
}

export class SimulatedConnector {
  status: ConnectorStatus;
  private errorCode = 'NoError';
  plugged: boolean;
  faultCode: string | undefined;
  inoperative = false;
  private inoperativeAfterStop = false;
  private transaction: SimTransaction | undefined;
  private waitingForCable: { idTag: string; timer: NodeJS.Timeout } | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private lastTickAt = 0;
  pendingStart: Promise<void> | undefined;

  constructor(private readonly deps: ConnectorDeps) {
    this.plugged = deps.options.carPluggedIn;
    this.status = this.plugged ? 'Preparing' : 'Available';
  }

  get transactionId(): number | undefined {
    return this.transaction?.id;
  }

  get hasTransaction(): boolean {
    return this.transaction !== undefined;
  }

  get charging(): boolean {
    return this.transaction?.energized === true;
  }

  /** Free for a new start: no transaction, no start waiting for the cable, not faulted or out of service. */
  get free(): boolean {
    return !this.transaction && !this.waitingForCable && !this.faultCode && !this.inoperative;
  }

  async setStatus(status: ConnectorStatus, errorCode = 'NoError'): Promise<void> {
    this.status = status;
    this.errorCode = errorCode;
    await this.deps.network.call('StatusNotification', {
      connectorId: this.deps.options.connectorId,
      status,
      errorCode,
      timestamp: this.deps.clock.now().toISOString(),
    });
  }

  /** After (re)connecting: the charger as a whole, then this connector as it is now. */
  async announce(): Promise<void> {
    await this.deps.network.call('StatusNotification', {
      connectorId: 0,
      status: 'Available',
      errorCode: 'NoError',
      timestamp: this.deps.clock.now().toISOString(),
    });
    await this.setStatus(this.status, this.errorCode);
  }

  /** After the answer to RemoteStartTransaction has gone out; `settled()` can wait for it at once. */
  startAfterAnswer(idTag: string): void {
    this.pendingStart = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.start(idTag));
  }

  /** A remote start was accepted (or a card was accepted): start now, or once the cable is in. */
  start(idTag: string): Promise<void> {
    this.pendingStart = (this.plugged ? this.beginTransaction(idTag) : this.waitForCable(idTag)).catch((error) =>
      this.deps.logger.warn('start failed', { id: this.deps.id, error: errorMessage(error) }),
    );
    return this.pendingStart;
  }

  async plugIn(): Promise<void> {
    this.plugged = true;
    const waiting = this.waitingForCable;
    if (waiting) {
      clearTimeout(waiting.timer);
      this.waitingForCable = undefined;
      this.pendingStart = this.beginTransaction(waiting.idTag);
      await this.pendingStart;
    } else if (!this.transaction && this.status === 'Available') {
      await this.setStatus('Preparing');
    }
  }

  async unplug(): Promise<void> {
    this.plugged = false;
    this.cancelWaitingForCable();
    if (this.transaction) await this.deps.network.whileConnected(this.end('EVDisconnected'));
    else if (!this.faultCode && !this.inoperative) await this.setStatus('Available');
  }

  async fault(errorCode: string): Promise<void> {
    this.faultCode = errorCode;
    await this.setStatus('Faulted', errorCode);
    if (this.transaction) await this.deps.network.whileConnected(this.end('Other'));
  }

  async clearFault(): Promise<void> {
    this.faultCode = undefined;
    await this.setStatus(this.plugged ? 'Preparing' : 'Available');
  }

  async setAvailability(operative: boolean): Promise<'Accepted' | 'Scheduled'> {
    if (!operative && this.transaction) {
      this.inoperativeAfterStop = true;
      return 'Scheduled';
    }
    this.inoperative = !operative;
    if (!this.faultCode) await this.setStatus(operative ? (this.plugged ? 'Preparing' : 'Available') : 'Unavailable');
    return 'Accepted';
  }

  /** Ends the transaction now; resolves when the StopTransaction was answered (it waits in the queue while offline). */
  end(reason: string): Promise<void> {
    const tx = this.transaction;
    if (!tx) return Promise.resolve();
    const { meter, clock, queue } = this.deps;
    // A ticking meter counts the energy since its last tick too: the register at the stop is the register now.
    if (this.ticker) this.advance((Date.now() - this.lastTickAt) / 1000);
    this.stopTicker();
    this.transaction = undefined;
    meter.powerW = 0;
    meter.setLimit('TxProfile', undefined);
    const timestamp = clock.now().toISOString();
    const stopData = meter.sampledValues(this.measurands('StopTxnSampledData'), 'Transaction.End');
    const params = { idTag: tx.idTag, meterStop: meter.registerWh, timestamp, reason };
    this.deps.logger.info('transaction stopped', { id: this.deps.id, transactionId: tx.id, reason, meterStop: meter.registerWh });
    const stopped = queue.push({
      action: 'StopTransaction',
      params: () => ({ ...params, transactionId: tx.id ?? -1, transactionData: [{ timestamp, sampledValue: stopData }] }),
      onAnswerLost: () => 'resend',
    });
    if (this.inoperativeAfterStop) {
      this.inoperativeAfterStop = false;
      this.inoperative = true;
    }
    const after: ConnectorStatus = this.faultCode ? 'Faulted' : this.inoperative ? 'Unavailable' : this.plugged ? 'Finishing' : 'Available';
    void this.setStatus(after, this.faultCode ?? 'NoError');
    return stopped;
  }

  /** Simulated time passes: energy flows into the car and the register; the status follows the car. */
  advance(seconds: number): void {
    const offered = this.inoperative || this.faultCode ? 0 : this.deps.meter.offeredPowerW();
    this.deps.meter.charge(offered, seconds);
    const next: ConnectorStatus = this.deps.meter.carFull ? 'SuspendedEV' : offered <= 0 ? 'SuspendedEVSE' : 'Charging';
    if (next !== this.status && ['Charging', 'SuspendedEV', 'SuspendedEVSE'].includes(this.status)) {
      this.deps.logger.info(`connector ${next}`, { id: this.deps.id, socPercent: this.deps.meter.socPercent });
      void this.setStatus(next);
    }
  }

  /** Queues a MeterValues for the running transaction; its values are taken now, its transactionId when sent. */
  sendMeterValues(context: string): Promise<void> {
    const tx = this.transaction;
    if (!tx) return Promise.resolve();
    const timestamp = this.deps.clock.now().toISOString();
    const sampledValue = this.deps.meter.sampledValues(this.measurands('MeterValuesSampledData'), context);
    this.deps.logger.debug('meter values', { id: this.deps.id, registerWh: this.deps.meter.registerWh, powerW: this.deps.meter.powerW });
    return this.deps.queue.push({
      action: 'MeterValues',
      params: () => ({ connectorId: this.deps.options.connectorId, transactionId: tx.id ?? -1, meterValue: [{ timestamp, sampledValue }] }),
      onAnswerLost: () => 'resend',
    });
  }

  restartTicker(): void {
    this.stopTicker();
    const interval = this.deps.configuration.number('MeterValueSampleInterval');
    // Manual metering (tests): the test is the clock.
    if (this.deps.options.meterIntervalSeconds <= 0 || interval <= 0 || !this.transaction?.energized) return;
    this.lastTickAt = Date.now();
    this.ticker = setInterval(() => {
      const now = Date.now();
      this.advance((now - this.lastTickAt) / 1000);
      this.lastTickAt = now;
      void this.sendMeterValues('Sample.Periodic');
    }, interval * 1000);
    this.ticker.unref();
  }

  close(): void {
    this.stopTicker();
    this.cancelWaitingForCable();
  }

  private async waitForCable(idTag: string): Promise<void> {
    const timeoutMs = this.deps.configuration.number('ConnectionTimeOut') * 1000;
    this.deps.logger.info('waiting for the cable', { id: this.deps.id, seconds: timeoutMs / 1000 });
    const timer = setTimeout(() => {
      if (this.waitingForCable?.timer !== timer) return;
      this.waitingForCable = undefined;
      this.deps.logger.info('no cable within ConnectionTimeOut; back to Available', { id: this.deps.id });
      void this.setStatus('Available');
    }, timeoutMs);
    timer.unref();
    this.waitingForCable = { idTag, timer };
    await this.setStatus('Preparing');
  }

  private cancelWaitingForCable(): void {
    if (this.waitingForCable) clearTimeout(this.waitingForCable.timer);
    this.waitingForCable = undefined;
  }

  private async beginTransaction(idTag: string): Promise<void> {
    if (this.transaction) return;
    const { meter, clock, options, configuration, logger } = this.deps;
    if (this.status !== 'Preparing') await this.setStatus('Preparing');
    const tx: SimTransaction = { idTag, meterStartWh: meter.registerWh, startedAt: clock.now(), energized: false };
    this.transaction = tx;
    const params = { connectorId: options.connectorId, idTag, meterStart: tx.meterStartWh, timestamp: tx.startedAt.toISOString() };
    const answered = this.deps.queue.push({
      action: 'StartTransaction',
      params: () => params,
      onAnswer: (answer) => {
        tx.id = Number(answer.transactionId);
        const status = (answer.idTagInfo as { status?: string } | undefined)?.status;
        logger.info('transaction started', { id: this.deps.id, transactionId: tx.id, idTagStatus: status });
        if (status !== 'Accepted' && configuration.get('StopTransactionOnInvalidId') === 'true') {
          if (this.transaction === tx) void this.end('DeAuthorized');
        } else this.energize(tx);
      },
      // Charging goes on while the answer is unknown; the car is plugged in and the driver is waiting.
      onAnswerLost: () => {
        this.energize(tx);
        if (options.lostStartAnswer === 'resend') return 'resend';
        tx.id = -1;
        return 'drop';
      },
      onGiveUp: () => {
        tx.id = -1;
        this.energize(tx);
      },
    });
    await this.deps.network.whileConnected(answered);
  }

  private energize(tx: SimTransaction): void {
    if (this.transaction !== tx || tx.energized) return;
    tx.energized = true;
    void this.setStatus(this.deps.meter.carFull ? 'SuspendedEV' : 'Charging');
    void this.sendMeterValues('Transaction.Begin');
    this.restartTicker();
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private measurands(key: string): string[] {
    return (this.deps.configuration.get(key) ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean);
  }
}
