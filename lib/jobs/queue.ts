import { eq, inArray, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '@/lib/db/client';
import { jobs, type JobRow } from '@/lib/db/schema';

/**
 * A durable job queue in the database. Jobs are claimed with
 * FOR UPDATE SKIP LOCKED and a lease, so several workers (or app instances
 * on one Postgres) never run the same job at once, and a job whose worker
 * died is picked up again when its lease runs out.
 */

export const JOBS_CHANNEL = 'jobs';

export interface EnqueueOptions {
  runAt: Date;
  /** At most one pending job per key; a second enqueue with the same key is a no-op. */
  dedupeKey?: string;
  maxAttempts?: number;
}

export async function enqueueJob(
  db: DbOrTx,
  kind: string,
  payload: Record<string, unknown>,
  options: EnqueueOptions,
): Promise<void> {
  await db.execute(sql`
    insert into ${jobs} (kind, payload, dedupe_key, run_at, max_attempts, status)
    values (${kind}, ${JSON.stringify(payload)}::jsonb, ${options.dedupeKey ?? null}, ${options.runAt.toISOString()}::timestamptz,
            ${options.maxAttempts ?? 25}, 'pending')
    on conflict (dedupe_key) where status = 'pending' do nothing`);
  // Delivered at commit when inside a transaction; wakes idle workers at once.
  await db.execute(sql`select pg_notify(${JOBS_CHANNEL}, ${kind})`);
}

export async function claimDueJobs(db: Db, now: Date, limit: number, leaseSeconds: number): Promise<JobRow[]> {
  const nowIso = now.toISOString();
  const leaseUntil = new Date(now.getTime() + leaseSeconds * 1000).toISOString();
  const result = await db.execute(sql`
    with due as (
      select id from ${jobs}
      where status = 'pending' and run_at <= ${nowIso}::timestamptz
        and (locked_until is null or locked_until < ${nowIso}::timestamptz)
      order by run_at, id
      limit ${limit}
      for update skip locked
    )
    update ${jobs} set locked_until = ${leaseUntil}::timestamptz, attempts = ${jobs.attempts} + 1, updated_at = ${nowIso}::timestamptz
    from due where ${jobs.id} = due.id
    returning ${jobs.id} as id`);
  const ids = ((result as { rows: Array<{ id: number | string }> }).rows).map((r) => Number(r.id));
  if (ids.length === 0) return [];
  const rows = await db.select().from(jobs).where(inArray(jobs.id, ids));
  return rows.sort((a, b) => a.runAt.getTime() - b.runAt.getTime() || a.id - b.id);
}

export async function extendLease(db: Db, id: number, lockedUntil: Date): Promise<void> {
  await db.update(jobs).set({ lockedUntil }).where(eq(jobs.id, id));
}

export async function completeJob(db: Db, id: number, now: Date): Promise<void> {
  await db
    .update(jobs)
    .set({ status: 'done', lockedUntil: null, updatedAt: now })
    .where(eq(jobs.id, id));
}

/** Keeps the job pending for a later run, as if new (used by polling jobs). */
export async function rescheduleJob(db: Db, id: number, runAt: Date, now: Date): Promise<void> {
  await db
    .update(jobs)
    .set({ runAt, attempts: 0, lockedUntil: null, lastError: null, updatedAt: now })
    .where(eq(jobs.id, id));
}

export async function failJobAttempt(db: Db, job: JobRow, error: string, now: Date): Promise<'retry' | 'failed'> {
  const exhausted = job.attempts >= job.maxAttempts;
  await db
    .update(jobs)
    .set({
      status: exhausted ? 'failed' : 'pending',
      runAt: exhausted ? job.runAt : new Date(now.getTime() + backoffSeconds(job.attempts) * 1000),
      lockedUntil: null,
      lastError: error.slice(0, 2000),
      updatedAt: now,
    })
    .where(eq(jobs.id, job.id));
  return exhausted ? 'failed' : 'retry';
}

/** 1 s, 2 s, 4 s … capped at 5 minutes. */
export function backoffSeconds(attempt: number): number {
  return Math.min(300, 2 ** Math.max(0, attempt - 1));
}

/** After a restart of a single-process deployment no lease can still be held. */
export async function releaseAllLeases(db: Db): Promise<void> {
  await db.update(jobs).set({ lockedUntil: null }).where(eq(jobs.status, 'pending'));
}
