import { and, asc, eq, gt, lte, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/lib/db/client';
import { rateLimitHits } from '@/lib/db/schema';

/**
 * A rolling-window rate limit kept in the database, so it holds across app
 * instances and restarts. Used to stop one client from opening payment
 * after payment (each one briefly holds a charger). Only allowed attempts
 * count, so a driver who waits out the limit is not kept out by retrying.
 */
export async function hitRateLimit(
  db: DbOrTx,
  input: { key: string; limit: number; windowSeconds: number; now: Date },
): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }> {
  const since = new Date(input.now.getTime() - input.windowSeconds * 1000);
  await db.delete(rateLimitHits).where(and(eq(rateLimitHits.key, input.key), lte(rateLimitHits.at, since)));
  const recent = await db
    .select({ at: rateLimitHits.at, n: sql<number>`count(*) over ()::int` })
    .from(rateLimitHits)
    .where(and(eq(rateLimitHits.key, input.key), gt(rateLimitHits.at, since)))
    .orderBy(asc(rateLimitHits.at))
    .limit(1);
  const [oldest] = recent;
  if (oldest && oldest.n >= input.limit) {
    const retryAfterMs = oldest.at.getTime() + input.windowSeconds * 1000 - input.now.getTime();
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
  }
  await db.insert(rateLimitHits).values({ key: input.key, at: input.now });
  return { allowed: true };
}
