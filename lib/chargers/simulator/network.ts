import type { RPCClient } from 'ocpp-rpc';
import { errorMessage, type Logger } from '@/lib/logger';

/**
 * The simulated charger's link to the central system: connect, boot,
 * announce its status, heartbeat, and the faults a real link has — a
 * network that goes silent without a close frame, a connection that dies
 * right after a message left, a reboot, a new password.
 *
 * It reaches into ocpp-rpc's WebSocket (`_ws`) for the silent network:
 * pausing the socket stops reading (so no answers and no pongs), exactly
 * what a central system sees when a charger's mobile link drops. What
 * arrived meanwhile is thrown away before the socket is dropped: those
 * packets were lost with the network.
 */

type RawSocket = { pause(): void; terminate(): void; _socket?: { read(): unknown; removeAllListeners(event: string): void } };

export interface SimulatedNetworkDeps {
  id: string;
  logger: Logger;
  bootOnReconnect: boolean;
  vendor: Record<string, string>;
  /** StatusNotifications after (re)connecting. */
  announce(): Promise<void>;
  /** Booted and announced: transaction messages may flow. */
  onOnline(): void;
}

const CLIENT_PING_INTERVAL_MS = 30_000;

export class SimulatedNetwork {
  private socketOpen = false;
  private networkUp = true;
  private ready = false;
  private bootNext = true;
  private announcing: Promise<void> | undefined;
  private dropAfter: string | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly lostWaiters = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly client: RPCClient,
    private readonly deps: SimulatedNetworkDeps,
  ) {
    client.on('open', () => this.onOpen());
    client.on('disconnect', () => this.onSocketClosed());
    client.on('close', () => this.onSocketClosed());
    client.on('message', (event: { message: string; outbound: boolean }) => {
      if (!event.outbound || !this.dropAfter) return;
      const frame = JSON.parse(event.message) as unknown[];
      if (frame[0] === 2 && frame[2] === this.dropAfter) {
        this.dropAfter = undefined;
        this.deps.logger.info(`network dies right after sending ${String(frame[2])}`, { id: this.deps.id });
        this.goOffline();
      }
    });
  }

  /** Connected, booted and announced. */
  get online(): boolean {
    return this.socketOpen && this.networkUp && this.ready;
  }

  /** A socket is open and the network carries it. */
  get connected(): boolean {
    return this.socketOpen && this.networkUp;
  }

  async connect(): Promise<void> {
    await this.client.connect();
    await this.announcing;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopHeartbeat();
    this.onLost();
    // A silent socket never completes a close handshake.
    if (!this.networkUp) this.discardUnread();
    await this.client.close(this.networkUp ? { code: 1000, reason: 'Simulator stopped' } : { force: true }).catch(() => {});
  }

  /** Waits for `work`, or until the connection is lost; returns at once when offline (the work is queued). */
  async whileConnected(work: Promise<unknown>): Promise<void> {
    if (!this.connected) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.lostWaiters.delete(done);
        resolve();
      };
      this.lostWaiters.add(done);
      work.then(done, done);
    });
  }

  /** A non-transaction message: sent now or not at all (offline chargers send their state when back). */
  async call(action: string, params: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
    if (!this.connected) return undefined;
    try {
      return (await this.client.call(action, params)) as Record<string, unknown>;
    } catch (error) {
      this.deps.logger.debug(`${action} got no answer`, { id: this.deps.id, error: errorMessage(error) });
      return undefined;
    }
  }

  transactionCall(action: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.client.call(action, params) as Promise<Record<string, unknown>>;
  }

  /** BootNotification until Accepted; Pending and Rejected are retried after the interval the central system gave. */
  async boot(): Promise<void> {
    for (;;) {
      const answer = (await this.client.call('BootNotification', this.deps.vendor)) as { status?: string; interval?: number };
      const interval = Math.max(1, Number(answer.interval) || 60);
      if (answer.status === 'Accepted') {
        this.bootNext = false;
        this.deps.logger.info('boot accepted', { id: this.deps.id, heartbeatSeconds: interval });
        this.startHeartbeat(interval);
        return;
      }
      this.deps.logger.warn(`boot ${answer.status}; trying again in ${interval} s`, { id: this.deps.id });
      await new Promise((resolve) => setTimeout(resolve, interval * 1000).unref());
      if (!this.connected || this.closed) throw new Error('connection lost while booting');
    }
  }

  goOffline(): void {
    if (!this.networkUp) return;
    this.networkUp = false;
    this.ready = false;
    this.stopHeartbeat();
    this.deps.logger.info('network down (no close frame)', { id: this.deps.id });
    this.rawSocket()?.pause();
    // Our own pings would notice the dead link and reconnect through a network that is "down".
    this.client.reconfigure({ pingIntervalMs: 0 } as never);
    this.onLost();
  }

  async goOnline(): Promise<void> {
    if (this.networkUp) return;
    this.networkUp = true;
    this.deps.logger.info('network back; reconnecting', { id: this.deps.id });
    this.client.reconfigure({ pingIntervalMs: CLIENT_PING_INTERVAL_MS } as never);
    await this.reconnect();
  }

  dropAfterSending(action: string): void {
    this.dropAfter = action;
  }

  /** Reset: drop the socket and boot again on the next one. */
  async restart(options: { boot: boolean }): Promise<void> {
    if (options.boot) this.bootNext = true;
    await this.reconnect();
  }

  /** A new AuthorizationKey: reconnect with it (after the answer has gone out). */
  reconnectWithPassword(password: string): void {
    this.client.reconfigure({ password } as never);
    setImmediate(() => void this.reconnect().catch(() => {}));
  }

  private async reconnect(): Promise<void> {
    const opened = new Promise<void>((resolve) => this.client.once('open', () => resolve()));
    this.dropSocket();
    await opened;
    await this.announcing;
  }

  private onOpen(): void {
    this.socketOpen = true;
    if (!this.networkUp) {
      this.rawSocket()?.pause();
      return;
    }
    this.announcing = (async () => {
      if (this.bootNext || this.deps.bootOnReconnect) await this.boot();
      await this.deps.announce();
      this.ready = true;
      this.deps.logger.info('online', { id: this.deps.id });
      this.deps.onOnline();
    })().catch((error) => this.deps.logger.warn('could not announce after connecting', { id: this.deps.id, error: errorMessage(error) }));
  }

  private onSocketClosed(): void {
    this.socketOpen = false;
    this.onLost();
  }

  /** Whoever waits for an answer stops waiting: it will not come over this connection. */
  private onLost(): void {
    this.ready = false;
    for (const waiter of [...this.lostWaiters]) waiter();
  }

  private startHeartbeat(intervalSeconds: number): void {
    this.stopHeartbeat();
    this.heartbeatTimer = setInterval(() => void this.call('Heartbeat', {}), intervalSeconds * 1000);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  /** Kills the socket without reading what the paused socket buffered (ws would otherwise still deliver it). */
  private dropSocket(): void {
    this.discardUnread();
    this.rawSocket()?.terminate();
  }

  private discardUnread(): void {
    const socket = this.rawSocket()?._socket;
    if (!socket) return;
    // read() hands each chunk to 'data' listeners too: ws must not get them.
    socket.removeAllListeners('data');
    while (socket.read() !== null) {
      // lost in the network
    }
  }

  private rawSocket(): RawSocket | undefined {
    return (this.client as unknown as { _ws?: RawSocket })._ws;
  }
}
