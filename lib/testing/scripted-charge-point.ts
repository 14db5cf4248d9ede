import { RPCClient } from 'ocpp-rpc';
import type { Clock } from '@/lib/clock';

/**
 * A charge point the test scripts message by message, with timestamps from
 * the test's clock, for engine tests that need exact meter figures and
 * timing (budget, timers, races). Remote starts are accepted and answered
 * with a StartTransaction unless told otherwise.
 */

export interface ScriptedChargePointOptions {
  url: string;
  id: string;
  password: string;
  clock: Clock;
  registerWh?: number;
  /** What to answer to RemoteStartTransaction. */
  onRemoteStart?: 'accept-and-start' | 'accept-only' | 'reject';
  /**
   * What follows an accepted RemoteStopTransaction: the StopTransaction right after the answer (default),
   * before the answer (the two cross on the wire), or only when the test sends it (a slow charger).
   */
  onRemoteStop?: 'stop-after-answer' | 'stop-before-answer' | 'accept-only';
  /** Reconnect when the socket drops, and re-send unanswered transaction messages (crash tests). */
  reconnect?: boolean;
}

type TransactionMessage = { action: 'StartTransaction' | 'MeterValues' | 'StopTransaction'; params: Record<string, unknown> };

export class ScriptedChargePoint {
  readonly client: RPCClient;
  registerWh: number;
  transactionId: number | undefined;
  idTag: string | undefined;
  readonly remoteStops: number[] = [];
  readonly remoteStarts: string[] = [];
  readonly triggers: string[] = [];
  private readonly options: ScriptedChargePointOptions;
  private startDone: Promise<void> | undefined;
  /** Transaction messages not yet answered, in order: a charger must deliver them even across a reconnect. */
  private readonly outbox: TransactionMessage[] = [];
  private flushing: Promise<void> | undefined;

  constructor(options: ScriptedChargePointOptions) {
    this.options = options;
    this.registerWh = options.registerWh ?? 2_000_000;
    this.client = new RPCClient({
      endpoint: options.url,
      identity: options.id,
      password: options.password,
      protocols: ['ocpp1.6'],
      strictMode: true,
      reconnect: options.reconnect ?? false,
      backoff: { initialDelay: 200, maxDelay: 1000, factor: 1.5, randomisationFactor: 0 },
    } as never);
    this.client.on('open', () => {
      this.flushing = this.announce().then(() => this.flush()).catch(() => {});
    });

    this.client.handle('RemoteStartTransaction', async ({ params }) => {
      const { idTag } = params as { idTag: string };
      this.remoteStarts.push(idTag);
      const mode = this.options.onRemoteStart ?? 'accept-and-start';
      if (mode === 'reject') return { status: 'Rejected' };
      this.idTag = idTag;
      if (mode === 'accept-and-start') {
        this.startDone = new Promise((resolve) => setImmediate(resolve))
          .then(() => this.startTransaction(idTag))
          // A lost connection keeps the StartTransaction queued: it goes out again on reconnect.
          .then(
            () => undefined,
            () => undefined,
          );
      }
      return { status: 'Accepted' };
    });
    this.client.handle('RemoteStopTransaction', async ({ params }) => {
      const { transactionId } = params as { transactionId: number };
      this.remoteStops.push(transactionId);
      if (transactionId !== this.transactionId) return { status: 'Rejected' };
      const mode = this.options.onRemoteStop ?? 'stop-after-answer';
      if (mode === 'stop-before-answer') await this.stopTransaction('Remote');
      else if (mode === 'stop-after-answer') setImmediate(() => void this.stopTransaction('Remote').catch(() => {}));
      return { status: 'Accepted' };
    });
    this.client.handle('TriggerMessage', async ({ params }) => {
      this.triggers.push((params as { requestedMessage: string }).requestedMessage);
      return { status: 'Accepted' };
    });
    this.client.handle(async () => ({ status: 'Rejected' }));
  }

  private now(): string {
    return this.options.clock.now().toISOString();
  }

  async connect(): Promise<void> {
    await this.client.connect();
    await this.flushing;
  }

  private async announce(): Promise<void> {
    await this.client.call('BootNotification', { chargePointVendor: 'Test', chargePointModel: 'Scripted' });
    await this.client.call('StatusNotification', {
      connectorId: 1,
      status: this.transactionId === undefined ? 'Preparing' : 'Charging',
      errorCode: 'NoError',
      timestamp: this.now(),
    });
  }

  /** Sends a transaction message, keeping it queued until it is answered. */
  private async send<T>(message: TransactionMessage): Promise<T> {
    this.outbox.push(message);
    await this.flushing;
    return (await this.deliver(message)) as T;
  }

  private async deliver(message: TransactionMessage): Promise<unknown> {
    const answer = await this.client.call(message.action, message.params);
    const index = this.outbox.indexOf(message);
    if (index >= 0) this.outbox.splice(index, 1);
    if (message.action === 'StartTransaction') this.transactionId = (answer as { transactionId: number }).transactionId;
    return answer;
  }

  /** Re-sends what the last connection left unanswered, oldest first. */
  private async flush(): Promise<void> {
    for (const message of [...this.outbox]) await this.deliver(message);
  }

  /** Waits until every queued transaction message has been answered. */
  async drained(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.outbox.length > 0) {
      if (Date.now() > deadline) throw new Error(`${this.outbox.length} transaction messages were never answered`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Waits for the StartTransaction a remote start triggered. */
  async started(): Promise<void> {
    await this.startDone;
  }

  async startTransaction(idTag: string): Promise<{ transactionId: number; status: string }> {
    const answer = await this.send<{ transactionId: number; idTagInfo: { status: string } }>({
      action: 'StartTransaction',
      params: { connectorId: 1, idTag, meterStart: this.registerWh, timestamp: this.now() },
    });
    await this.status('Charging');
    return { transactionId: answer.transactionId, status: answer.idTagInfo.status };
  }

  /** Adds energy and reports the register (and power) at the test clock's time. */
  async meter(addWh: number, powerW: number): Promise<void> {
    this.registerWh += addWh;
    await this.send({
      action: 'MeterValues',
      params: {
        connectorId: 1,
        transactionId: this.transactionId,
        meterValue: [
          {
            timestamp: this.now(),
            sampledValue: [
              { value: String(this.registerWh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
              { value: String(powerW), measurand: 'Power.Active.Import', unit: 'W' },
            ],
          },
        ],
      },
    });
  }

  async stopTransaction(reason: string, meterStopWh = this.registerWh): Promise<void> {
    const transactionId = this.transactionId;
    if (transactionId === undefined) return;
    this.transactionId = undefined;
    await this.send({
      action: 'StopTransaction',
      params: { transactionId, meterStop: meterStopWh, timestamp: this.now(), reason, idTag: this.idTag },
    });
    await this.status('Finishing');
  }

  /** Status is not a transaction message: a lost one is simply superseded by the next. */
  private async status(status: string): Promise<void> {
    await this.client.call('StatusNotification', { connectorId: 1, status, errorCode: 'NoError', timestamp: this.now() }).catch(() => {});
  }

  async close(): Promise<void> {
    await this.client.close({ code: 1000, force: true }).catch(() => {});
  }
}
