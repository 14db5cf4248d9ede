import { errorMessage, type Logger } from '@/lib/logger';

/**
 * The charge point's queue of transaction-related messages (OCPP 1.6
 * §3.7): StartTransaction, MeterValues and StopTransaction are sent one at
 * a time, in the order they happened, and kept while the charger is
 * offline. A message the central system fails to process (CALLERROR or no
 * answer on a live socket) is retried after TransactionMessageRetryInterval
 * × attempts, up to TransactionMessageAttempts, then dropped. A message
 * whose answer was lost with the socket is handed to `onAnswerLost`, which
 * decides whether it is sent again after the reconnect.
 */

export type TransactionAction = 'StartTransaction' | 'MeterValues' | 'StopTransaction';

export interface QueuedMessage {
  action: TransactionAction;
  /** Built at send time, so a transactionId learnt meanwhile (or -1) goes in. */
  params(): Record<string, unknown>;
  onAnswer?(answer: Record<string, unknown>): void | Promise<void>;
  /** Dropped after the last attempt. */
  onGiveUp?(): void;
  /** The socket died before the answer came: 'resend' keeps it at the head, 'drop' removes it. */
  onAnswerLost?(): 'resend' | 'drop';
}

interface Entry extends QueuedMessage {
  attempts: number;
  done: () => void;
  finished: Promise<void>;
}

export interface TransactionQueueDeps {
  call(action: TransactionAction, params: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Whether the charger is connected and booted. */
  canSend(): boolean;
  attempts(): number;
  retryIntervalMs(): number;
  logger: Logger;
}

export class TransactionQueue {
  private readonly entries: Entry[] = [];
  private running = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private wakeRetry: (() => void) | undefined;
  private closed = false;

  constructor(private readonly deps: TransactionQueueDeps) {}

  get length(): number {
    return this.entries.length;
  }

  /** Queues a message; resolves once it was answered or dropped (not when it is merely queued). */
  push(message: QueuedMessage): Promise<void> {
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    this.entries.push({ ...message, attempts: 0, done, finished });
    this.pump();
    return finished;
  }

  /** Resolves when the queue is empty. */
  async drained(): Promise<void> {
    while (this.entries.length > 0) await this.entries[this.entries.length - 1]!.finished;
  }

  pump(): void {
    if (this.running || this.closed) return;
    this.running = true;
    void this.run().finally(() => {
      this.running = false;
      // Something arrived (or we reconnected) while the last send was finishing.
      if (this.entries.length > 0 && this.deps.canSend() && !this.closed) this.pump();
    });
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.wakeRetry?.();
  }

  private async run(): Promise<void> {
    while (this.entries.length > 0 && this.deps.canSend() && !this.closed) {
      const entry = this.entries[0]!;
      let answer: Record<string, unknown>;
      try {
        answer = await this.deps.call(entry.action, entry.params());
      } catch (error) {
        if (isConnectionLoss(error) || !this.deps.canSend()) {
          if (entry.onAnswerLost?.() === 'drop') this.finish(entry);
          return;
        }
        entry.attempts += 1;
        if (entry.attempts >= this.deps.attempts()) {
          this.deps.logger.warn('central system kept failing a transaction message; dropping it', {
            action: entry.action,
            error: errorMessage(error),
          });
          entry.onGiveUp?.();
          this.finish(entry);
          continue;
        }
        await this.sleep(this.deps.retryIntervalMs() * entry.attempts);
        continue;
      }
      this.entries.shift();
      try {
        await entry.onAnswer?.(answer);
      } finally {
        entry.done();
      }
    }
  }

  private finish(entry: Entry) {
    const index = this.entries.indexOf(entry);
    if (index >= 0) this.entries.splice(index, 1);
    entry.done();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeRetry = resolve;
      this.retryTimer = setTimeout(resolve, ms);
    });
  }
}

/** ocpp-rpc rejects calls with an AbortError when the socket closes, and refuses calls while it is not open. */
function isConnectionLoss(error: unknown): boolean {
  const e = error as { name?: unknown; message?: unknown };
  return e.name === 'AbortError' || (typeof e.message === 'string' && /socket not open|disconnected|going away/i.test(e.message));
}
