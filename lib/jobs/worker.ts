import type { Clock } from '@/lib/clock';
import { crashPoint } from '@/lib/crash-points';
import type { Database } from '@/lib/db/client';
import type { JobRow } from '@/lib/db/schema';
import { errorMessage, type Logger } from '@/lib/logger';
import { JOBS_CHANNEL, claimDueJobs, completeJob, extendLease, failJobAttempt, rescheduleJob } from './queue';

/** What a handler may ask for besides "done": run me again later (polling). */
export type JobResult = void | { rescheduleAt: Date };
export type JobHandler = (payload: Record<string, unknown>, job: JobRow) => Promise<JobResult>;

export interface JobWorkerOptions {
  database: Database;
  clock: Clock;
  logger: Logger;
  handlers: Record<string, JobHandler>;
  concurrency?: number;
  pollIntervalMs?: number;
  leaseSeconds?: number;
}

export interface JobWorker {
  /** Claims and runs one batch of due jobs; returns how many ran. */
  runDue(): Promise<number>;
  /** Runs batches until nothing is due (tests, shutdown). */
  drain(maxBatches?: number): Promise<number>;
  start(): Promise<void>;
  stop(): Promise<void>;
  wake(): void;
}

export function createJobWorker(options: JobWorkerOptions): JobWorker {
  const { database, clock, logger, handlers } = options;
  const concurrency = options.concurrency ?? 4;
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const leaseSeconds = options.leaseSeconds ?? 30;
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let unlisten: (() => Promise<void>) | undefined;
  let loop: Promise<void> | undefined;
  let wakeRequested = false;
  let wakeUp: (() => void) | undefined;

  async function runJob(job: JobRow): Promise<void> {
    const handler = handlers[job.kind];
    const db = database.db;
    if (!handler) {
      await failJobAttempt(db, { ...job, attempts: job.maxAttempts }, `no handler for job kind ${job.kind}`, clock.now());
      logger.error('job has no handler', { id: job.id, kind: job.kind });
      return;
    }
    // Keep the lease while the handler runs, so a slow job is not taken over by another worker.
    const renewal = setInterval(() => {
      extendLease(db, job.id, new Date(clock.now().getTime() + leaseSeconds * 1000)).catch(() => {});
    }, (leaseSeconds * 1000) / 3);
    try {
      const result = await handler(job.payload, job);
      crashPoint(`job.${job.kind}.handled`);
      if (result && 'rescheduleAt' in result) {
        await rescheduleJob(db, job.id, result.rescheduleAt, clock.now());
      } else {
        await completeJob(db, job.id, clock.now());
      }
    } catch (error) {
      const outcome = await failJobAttempt(db, job, errorMessage(error), clock.now());
      const log = outcome === 'failed' ? logger.error : logger.warn;
      log(`job ${job.kind} ${outcome === 'failed' ? 'gave up' : 'will retry'}`, {
        id: job.id,
        attempt: job.attempts,
        error: errorMessage(error),
      });
    } finally {
      clearInterval(renewal);
    }
  }

  async function runDue(): Promise<number> {
    const batch = await claimDueJobs(database.db, clock.now(), concurrency, leaseSeconds);
    await Promise.all(batch.map(runJob));
    return batch.length;
  }

  async function drain(maxBatches = 1000): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const ran = await runDue();
      if (ran === 0) return total;
      total += ran;
    }
    return total;
  }

  function wake() {
    wakeRequested = true;
    wakeUp?.();
  }

  async function mainLoop() {
    while (running) {
      try {
        const ran = await runDue();
        if (ran > 0) continue;
      } catch (error) {
        if (!running) break;
        logger.error('job worker batch failed', { error: errorMessage(error) });
      }
      if (wakeRequested) {
        wakeRequested = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        wakeUp = resolve;
        timer = setTimeout(resolve, pollIntervalMs);
      });
      wakeUp = undefined;
      wakeRequested = false;
    }
  }

  return {
    runDue,
    drain,
    wake,
    async start() {
      if (running) return;
      running = true;
      unlisten = await database.listen(JOBS_CHANNEL, () => wake());
      loop = mainLoop();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      wakeUp?.();
      await loop;
      await unlisten?.();
    },
  };
}
