import { RPCClient } from 'ocpp-rpc';
import { systemClock, type Clock } from '@/lib/clock';
import { silentLogger, type Logger } from '@/lib/logger';
import { registerCentralSystemCalls, type ChargePointControls } from './central-system-calls';
import { SimulatedConfiguration } from './configuration';
import { SimulatedConnector, type ConnectorStatus } from './connector';
import type { EvBatteryOptions } from './ev-battery';
import { SimulatedMeter, type ChargingProfileLimit } from './meter';
import { SimulatedNetwork } from './network';
import { resolveOptions, type ResolvedOptions, type SimulatedChargePointOptions } from './options';
import { TransactionQueue } from './transaction-queue';

export type { ConnectorStatus } from './connector';
export type { SimulatedChargePointOptions } from './options';

/**
 * A simulated OCPP 1.6J charge point on a real OCPP client over a real
 * WebSocket. It boots, reports status, starts on RemoteStartTransaction
 * when a car is plugged in (or waits ConnectionTimeOut for the cable),
 * charges a car whose power tapers near full, meters at
 * MeterValueSampleInterval, and keeps its transaction messages in an
 * offline queue that it sends, in order, when it is back.
 *
 * Tests drive it by hand (`deliver`, `chargeFor`, `plugIn`, `goOffline`…)
 * with `meterIntervalSeconds: 0`; the demo and the CLI let it tick.
 */
export class SimulatedChargePoint {
  readonly id: string;
  readonly configuration: SimulatedConfiguration;
  private readonly options: ResolvedOptions;
  private readonly logger: Logger;
  private readonly client: RPCClient;
  private readonly network: SimulatedNetwork;
  private readonly queue: TransactionQueue;
  private readonly meter: SimulatedMeter;
  private readonly connector: SimulatedConnector;

  constructor(options: SimulatedChargePointOptions) {
    this.options = resolveOptions(options);
    this.id = options.id;
    this.logger = options.logger ?? silentLogger;
    const clock: Clock = options.clock ?? systemClock;
    this.meter = new SimulatedMeter(this.options.registerWh, this.options.powerW, options.ev, {
      energyUnit: this.options.energyUnit,
      phases: this.options.phases,
    });
    this.configuration = new SimulatedConfiguration({
      meterValueSampleInterval: this.options.meterIntervalSeconds,
      connectionTimeOut: this.options.connectionTimeoutSeconds,
      supportedMeasurands: this.options.supportedMeasurands,
      transactionMessageAttempts: this.options.transactionMessageAttempts,
      transactionMessageRetryInterval: this.options.transactionMessageRetryIntervalSeconds,
    });
    this.client = new RPCClient({
      endpoint: this.options.url,
      identity: options.id,
      password: options.password,
      protocols: ['ocpp1.6'],
      strictMode: this.options.strict,
      reconnect: true,
      callTimeoutMs: this.options.callTimeoutMs,
      backoff: { initialDelay: this.options.reconnectDelayMs, maxDelay: 5000, factor: 2, randomisationFactor: 0.25 },
    } as never);
    this.network = new SimulatedNetwork(this.client, {
      logger: this.logger,
      id: this.id,
      bootOnReconnect: this.options.bootOnReconnect,
      vendor: { chargePointVendor: 'EVCheckout', chargePointModel: 'Simulator', chargePointSerialNumber: this.id, firmwareVersion: '2.0.0' },
      announce: () => this.connector.announce(),
      onOnline: () => this.queue.pump(),
    });
    this.queue = new TransactionQueue({
      call: (action, params) => this.network.transactionCall(action, params),
      canSend: () => this.network.online,
      attempts: () => this.configuration.number('TransactionMessageAttempts') || 1,
      retryIntervalMs: () => this.configuration.number('TransactionMessageRetryInterval') * 1000,
      logger: this.logger,
    });
    this.connector = new SimulatedConnector({
      id: this.id,
      options: this.options,
      logger: this.logger,
      clock,
      network: this.network,
      queue: this.queue,
      meter: this.meter,
      configuration: this.configuration,
    });
    registerCentralSystemCalls(this.client, this.controls());
  }

  get meterWh(): number {
    return this.meter.registerWh;
  }

  get connectorStatus(): ConnectorStatus {
    return this.connector.status;
  }

  get activeTransactionId(): number | undefined {
    return this.connector.transactionId;
  }

  get socPercent(): number {
    return this.meter.socPercent;
  }

  get powerW(): number {
    return this.meter.powerW;
  }

  /** Transaction messages waiting to be sent (kept while offline). */
  get queuedMessages(): number {
    return this.queue.length;
  }

  get online(): boolean {
    return this.network.online;
  }

  /** Connects and waits until BootNotification and the first StatusNotifications are answered. */
  async connect(): Promise<void> {
    await this.network.connect();
  }

  async close(): Promise<void> {
    this.connector.close();
    this.queue.close();
    await this.network.close();
  }

  /** Waits until a started remote start has produced its StartTransaction (answered, or queued while offline). */
  async settled(): Promise<void> {
    await this.connector.pendingStart;
  }

  /** Waits until every queued transaction message was answered. */
  async flushed(): Promise<void> {
    await this.queue.drained();
  }

  /** Plugs a car in (a new one, when `ev` is given); a remote start waiting for the cable begins now. */
  async plugIn(ev?: Partial<EvBatteryOptions>): Promise<void> {
    this.meter.plugInCar(ev);
    this.logger.info('car plugged in', { id: this.id });
    await this.connector.plugIn();
  }

  /** Unplugs the car: ends a running transaction with reason EVDisconnected. */
  async unplug(): Promise<void> {
    this.logger.info('car unplugged', { id: this.id });
    await this.connector.unplug();
  }

  /** Adds exactly `wh` to the register and reports it (tests decide how much). */
  async deliver(wh: number, powerW = this.options.powerW): Promise<void> {
    if (!this.connector.hasTransaction) throw new Error('no transaction is running');
    this.meter.deliver(wh, powerW);
    await this.network.whileConnected(this.connector.sendMeterValues('Sample.Periodic'));
  }

  /** Charges for `seconds` of simulated time at what the car takes, then reports the meter. */
  async chargeFor(seconds: number): Promise<void> {
    if (!this.connector.charging) throw new Error('no transaction is charging');
    this.connector.advance(seconds);
    await this.network.whileConnected(this.connector.sendMeterValues('Sample.Periodic'));
  }

  /**
   * A driver taps a card at the charger. With `authorize` (LocalPreAuthorize
   * off, the usual case) the charger asks Authorize first and starts only
   * on Accepted; without it (firmware that starts at once, or an offline
   * start) it sends StartTransaction straight away and lets the answer decide.
   */
  async startLocally(idTag: string, options: { authorize?: boolean } = {}): Promise<string> {
    if (!this.connector.free) return 'Busy';
    if (options.authorize !== false) {
      const answer = await this.network.call('Authorize', { idTag });
      const status = (answer?.idTagInfo as { status?: string } | undefined)?.status ?? 'NoAnswer';
      this.logger.info('card presented', { id: this.id, idTag, status });
      if (status !== 'Accepted') return status;
    }
    await this.connector.start(idTag);
    return 'Started';
  }

  /** The driver stops at the charger (reason Local). */
  async stopLocally(): Promise<void> {
    if (this.connector.hasTransaction) await this.network.whileConnected(this.connector.end('Local'));
  }

  /** Changes the charger's power (the CLI's "power" command); the car may take less. */
  setPower(powerW: number): void {
    this.options.powerW = powerW;
    this.meter.setRatedPower(powerW);
  }

  /** A hardware fault: Faulted with the error code; a running transaction ends (reason Other). */
  async fault(errorCode = 'GroundFailure'): Promise<void> {
    this.logger.warn('charger faulted', { id: this.id, errorCode });
    await this.connector.fault(errorCode);
  }

  async clearFault(): Promise<void> {
    await this.connector.clearFault();
  }

  /** The network goes away without a close frame: nothing is sent or read any more; transaction messages queue up. */
  goOffline(): void {
    this.network.goOffline();
  }

  /** The network is back: the charger opens a new socket (no BootNotification) and sends its queue in order. */
  async goOnline(): Promise<void> {
    await this.network.goOnline();
    await this.network.whileConnected(this.queue.drained());
  }

  /** Fault injection: the next `action` reaches the central system, but the network dies before its answer arrives. */
  dropConnectionAfterSending(action: 'StartTransaction' | 'MeterValues' | 'StopTransaction'): void {
    this.network.dropAfterSending(action);
  }

  /** What the central system's calls may see and do. */
  private controls(): ChargePointControls {
    const { connector, meter } = this;
    return {
      logger: this.logger,
      configuration: this.configuration,
      options: this.options,
      get transactionId() {
        return connector.transactionId;
      },
      canStart: () => connector.free,
      remoteStartPolicy: () => this.options.remoteStart,
      // Answer first, then start: Accepted only means "will attempt".
      startRemotely: (idTag) => connector.startAfterAnswer(idTag),
      stop: (reason) => connector.end(reason),
      sendMeterValues: () => connector.sendMeterValues('Trigger'),
      reportStatus: () => connector.setStatus(connector.status),
      heartbeat: () => this.network.call('Heartbeat', {}),
      boot: () => this.network.boot(),
      setLimit: (purpose, watts) => meter.setLimit(purpose as ChargingProfileLimit, watts),
      clearLimits: () => meter.clearLimits(),
      setAvailability: (operative) => connector.setAvailability(operative),
      reset: async (reason) => {
        if (connector.hasTransaction) void connector.end(reason);
        await this.network.whileConnected(this.queue.drained());
        await this.network.restart({ boot: true });
      },
      sampleIntervalChanged: () => connector.restartTicker(),
      newPassword: (password) => this.network.reconnectWithPassword(password),
    };
  }
}
