import { RPCClient } from 'ocpp-rpc';
import { errorMessage, silentLogger, type Logger } from '@/lib/logger';

/**
 * A simulated OCPP 1.6J charge point on a real OCPP client over a real
 * WebSocket. It boots, reports status, accepts remote starts when a car is
 * plugged in, meters energy at a configured power and answers remote stops
 * with a StopTransaction carrying the final register. Tests drive it by
 * hand (`deliver`), the demo lets it tick.
 */

export interface SimulatedChargePointOptions {
  /** Central system base, e.g. ws://localhost:3000/ocpp */
  url: string;
  id: string;
  password: string;
  connectorId?: number;
  /** Power drawn while charging, W. */
  powerW?: number;
  /** Seconds between MeterValues while charging; 0 = only when told (tests). */
  meterIntervalSeconds?: number;
  /** The energy register at start, Wh (real registers do not start at zero). */
  registerWh?: number;
  /** Whether a car is plugged in from the start (the demo's default). */
  carPluggedIn?: boolean;
  strict?: boolean;
  logger?: Logger;
}

type ConnectorStatus = 'Available' | 'Preparing' | 'Charging' | 'SuspendedEV' | 'Finishing' | 'Faulted' | 'Unavailable';

export class SimulatedChargePoint {
  readonly id: string;
  private readonly client: RPCClient;
  private readonly options: Required<Omit<SimulatedChargePointOptions, 'logger'>>;
  private readonly logger: Logger;
  private registerWh: number;
  private status: ConnectorStatus = 'Available';
  private plugged: boolean;
  private transaction: { id: number; idTag: string; meterStartWh: number } | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private lastTickAt = 0;
  private pendingStart: Promise<void> | undefined;
  private announcing: Promise<void> | undefined;

  constructor(options: SimulatedChargePointOptions) {
    this.options = {
      connectorId: 1,
      powerW: 11_000,
      meterIntervalSeconds: 5,
      registerWh: 1_000_000,
      carPluggedIn: true,
      strict: false,
      ...options,
    };
    this.id = options.id;
    this.logger = options.logger ?? silentLogger;
    this.registerWh = this.options.registerWh;
    this.plugged = this.options.carPluggedIn;
    this.client = new RPCClient({
      endpoint: this.options.url,
      identity: options.id,
      password: options.password,
      protocols: ['ocpp1.6'],
      strictMode: this.options.strict,
      reconnect: true,
      backoff: { initialDelay: 500, maxDelay: 5000, factor: 2, randomisationFactor: 0.25 },
    } as never);
    this.registerHandlers();
    this.client.on('open', () => {
      this.announcing = this.announce().catch((error) =>
        this.logger.warn('announce failed', { id: this.id, error: errorMessage(error) }),
      );
    });
  }

  get meterWh(): number {
    return this.registerWh;
  }

  get connectorStatus(): ConnectorStatus {
    return this.status;
  }

  get activeTransactionId(): number | undefined {
    return this.transaction?.id;
  }

  /** Connects and waits until BootNotification and the first StatusNotifications are answered. */
  async connect(): Promise<void> {
    await this.client.connect();
    await this.announcing;
  }

  async close(): Promise<void> {
    this.stopTicker();
    await this.client.close({ code: 1000, reason: 'Simulator stopped' }).catch(() => {});
  }

  private async announce(): Promise<void> {
    await this.client.call('BootNotification', {
      chargePointVendor: 'EVCheckout',
      chargePointModel: 'Simulator',
      chargePointSerialNumber: this.id,
      firmwareVersion: '1.0.0',
    });
    await this.sendStatus(0, 'Available');
    await this.sendStatus(this.options.connectorId, this.transaction ? 'Charging' : this.plugged ? 'Preparing' : 'Available');
  }

  private async sendStatus(connectorId: number, status: ConnectorStatus, errorCode = 'NoError'): Promise<void> {
    if (connectorId > 0) this.status = status;
    await this.client.call('StatusNotification', { connectorId, status, errorCode, timestamp: new Date().toISOString() });
  }

  private registerHandlers(): void {
    this.client.handle('RemoteStartTransaction', async ({ params }) => {
      const p = params as { idTag: string; connectorId?: number };
      const connectorId = p.connectorId ?? this.options.connectorId;
      if (connectorId !== this.options.connectorId || this.transaction || this.status === 'Faulted') {
        return { status: 'Rejected' };
      }
      // Answer first, then start: Accepted only means "will attempt".
      this.pendingStart = this.startAfterReply(p.idTag);
      return { status: 'Accepted' };
    });

    this.client.handle('RemoteStopTransaction', async ({ params }) => {
      const { transactionId } = params as { transactionId: number };
      if (!this.transaction || this.transaction.id !== transactionId) return { status: 'Rejected' };
      setImmediate(() => {
        this.stopTransaction('Remote').catch((error) => this.logger.warn('stop failed', { error: errorMessage(error) }));
      });
      return { status: 'Accepted' };
    });

    this.client.handle('TriggerMessage', async ({ params }) => {
      const { requestedMessage } = params as { requestedMessage: string };
      if (requestedMessage === 'MeterValues') {
        setImmediate(() => {
          this.sendMeterValues('Trigger').catch(() => {});
        });
        return { status: 'Accepted' };
      }
      if (requestedMessage === 'StatusNotification') {
        setImmediate(() => {
          this.sendStatus(this.options.connectorId, this.status).catch(() => {});
        });
        return { status: 'Accepted' };
      }
      return { status: 'NotImplemented' };
    });

    this.client.handle('GetConfiguration', async () => ({
      configurationKey: [
        { key: 'MeterValueSampleInterval', readonly: false, value: String(this.options.meterIntervalSeconds) },
        { key: 'MeterValuesSampledData', readonly: false, value: 'Energy.Active.Import.Register,Power.Active.Import' },
        { key: 'ConnectionTimeOut', readonly: false, value: '120' },
      ],
      unknownKey: [],
    }));
    this.client.handle('ChangeConfiguration', async () => ({ status: 'Accepted' }));
    this.client.handle(async ({ method }) => {
      this.logger.debug('simulator got an unhandled call', { method });
      return { status: 'Rejected' };
    });
  }

  private async startAfterReply(idTag: string): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (!this.plugged) {
      this.logger.info('remote start accepted but no car is plugged in', { id: this.id });
      this.pendingIdTag = idTag;
      return;
    }
    await this.beginTransaction(idTag);
  }

  private pendingIdTag: string | undefined;

  private async beginTransaction(idTag: string): Promise<void> {
    this.pendingIdTag = undefined;
    await this.sendStatus(this.options.connectorId, 'Preparing');
    const meterStartWh = this.registerWh;
    const answer = (await this.client.call('StartTransaction', {
      connectorId: this.options.connectorId,
      idTag,
      meterStart: meterStartWh,
      timestamp: new Date().toISOString(),
    })) as { transactionId: number; idTagInfo: { status: string } };
    if (answer.idTagInfo.status !== 'Accepted') {
      // StopTransactionOnInvalidId: end it at once without delivering energy.
      this.transaction = { id: answer.transactionId, idTag, meterStartWh };
      await this.stopTransaction('DeAuthorized');
      return;
    }
    this.transaction = { id: answer.transactionId, idTag, meterStartWh };
    await this.sendStatus(this.options.connectorId, 'Charging');
    await this.sendMeterValues('Transaction.Begin');
    this.startTicker();
  }

  /** Waits until a started remote start has produced its StartTransaction. */
  async settled(): Promise<void> {
    await this.pendingStart;
  }

  /** Plugs a car in; a remote start waiting for the cable begins now. */
  async plugIn(): Promise<void> {
    this.plugged = true;
    if (this.pendingIdTag) await this.beginTransaction(this.pendingIdTag);
    else if (!this.transaction) await this.sendStatus(this.options.connectorId, 'Preparing');
  }

  /** Unplugs the car: ends a running transaction with reason EVDisconnected. */
  async unplug(): Promise<void> {
    this.plugged = false;
    if (this.transaction) await this.stopTransaction('EVDisconnected');
    await this.sendStatus(this.options.connectorId, 'Available');
  }

  /** Adds energy to the register and reports it (tests decide exactly how much). */
  async deliver(wh: number, powerW = this.options.powerW): Promise<void> {
    if (!this.transaction) throw new Error('no transaction is running');
    this.registerWh += wh;
    await this.sendMeterValues('Sample.Periodic', powerW);
  }

  /** The driver stops at the charger. */
  async stopLocally(): Promise<void> {
    if (this.transaction) await this.stopTransaction('Local');
  }

  private startTicker(): void {
    const interval = this.options.meterIntervalSeconds;
    if (interval <= 0) return;
    this.lastTickAt = Date.now();
    this.ticker = setInterval(() => {
      const now = Date.now();
      const elapsedMs = now - this.lastTickAt;
      this.lastTickAt = now;
      // W × ms / 3 600 000 = Wh
      this.registerWh += Math.round((this.options.powerW * elapsedMs) / 3_600_000);
      this.sendMeterValues('Sample.Periodic').catch(() => {});
    }, interval * 1000);
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private async sendMeterValues(context: string, powerW = this.options.powerW): Promise<void> {
    if (!this.transaction) return;
    await this.client.call('MeterValues', {
      connectorId: this.options.connectorId,
      transactionId: this.transaction.id,
      meterValue: [
        {
          timestamp: new Date().toISOString(),
          sampledValue: [
            { value: String(this.registerWh), context, measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
            { value: String(powerW), context, measurand: 'Power.Active.Import', unit: 'W' },
          ],
        },
      ],
    });
  }

  private async stopTransaction(reason: string): Promise<void> {
    const transaction = this.transaction;
    if (!transaction) return;
    this.stopTicker();
    this.transaction = undefined;
    await this.sendStatus(this.options.connectorId, 'Finishing');
    await this.client.call('StopTransaction', {
      transactionId: transaction.id,
      idTag: transaction.idTag,
      meterStop: this.registerWh,
      timestamp: new Date().toISOString(),
      reason,
    });
    await this.sendStatus(this.options.connectorId, this.plugged ? 'Finishing' : 'Available');
  }
}
