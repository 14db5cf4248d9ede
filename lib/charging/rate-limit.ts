import { and, eq, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/lib/db/client';
import { rateLimitCounters } from '@/lib/db/schema';

/**
 * A fixed-window rate limit kept in the database, so it holds across app
 * instances and restarts. Used to stop one client from opening payment
 * after payment (each one briefly holds a charger).
 */
export async function hitRateLimit(
  db: DbOrTx,
  input: { key: string; limit: number; windowSeconds: number; now: Date },
): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }> {
  const windowMs = input.windowSeconds * 1000;
  const windowStart = new Date(Math.floor(input.now.getTime() / windowMs) * windowMs);
  const [row] = await db
    .insert(rateLimitCounters)
    .values({ key: input.key, windowStart, count: 1 })
    .onConflictDoUpdate({
      target: [rateLimitCounters.key, rateLimitCounters.windowStart],
      set: { count: sql`${rateLimitCounters.count} + 1` },
    })
    .returning({ count: rateLimitCounters.count });
  // Old windows of this key are of no use any more.
  await db.delete(rateLimitCounters).where(and(eq(rateLimitCounters.key, input.key), lt(rateLimitCounters.windowStart, windowStart)));
  if ((row?.count ?? 0) <= input.limit) return { allowed: true };
  return { allowed: false, retryAfterSeconds: Math.ceil((windowStart.getTime() + windowMs - input.now.getTime()) / 1000) };
}
