import { desc, eq } from 'drizzle-orm';
import type { DbOrTx } from '@/lib/db/client';
import { tariffVersions } from '@/lib/db/schema';
import { parseTariff, tariffHash, type TariffInput } from '@/lib/pricing/tariff';

/**
 * A price change is a new version of the tariff; versions are never edited.
 * Drivers who paid keep the version they saw (copied into their session);
 * the next driver sees the new one. For the admin area.
 */
export async function publishTariffVersion(db: DbOrTx, tariffId: string, input: TariffInput): Promise<{ version: number; contentHash: string }> {
  const definition = parseTariff(input);
  const contentHash = tariffHash(definition);
  const [latest] = await db
    .select({ version: tariffVersions.version })
    .from(tariffVersions)
    .where(eq(tariffVersions.tariffId, tariffId))
    .orderBy(desc(tariffVersions.version))
    .limit(1);
  const version = (latest?.version ?? 0) + 1;
  // The unique (tariff, version) index makes two concurrent publishers fail rather than share a number.
  await db.insert(tariffVersions).values({ tariffId, version, definition, contentHash });
  return { version, contentHash };
}
