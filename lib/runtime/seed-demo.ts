import { sql } from 'drizzle-orm';
import { hashChargerPassword } from '@/lib/chargers/passwords';
import type { Db } from '@/lib/db/client';
import { chargers, connectors, sites, tariffVersions, tariffs } from '@/lib/db/schema';
import { parseTariff, tariffHash, type TariffInput } from '@/lib/pricing/tariff';

/**
 * Demo data for an empty database: a Norwegian site with three chargers.
 * DEMO-1 costs 4.90 NOK per kWh including VAT and nothing else, so its
 * arithmetic can be checked by hand: 10 kWh = 49.00 NOK.
 */

export const DEMO_CHARGER_PASSWORD = 'demo-secret';
export const DEMO_CHARGER_IDS = ['DEMO-1', 'DEMO-2', 'DEMO-3'] as const;

const DEMO_TARIFFS: Array<{ id: string; name: string; definition: TariffInput }> = [
  {
    id: 'demo-flat',
    name: 'Flat energy price',
    definition: { currency: 'NOK', vatRateBp: 2500, energyTiers: [{ fromWh: 0, pricePerKwh: 490 }] },
  },
  {
    id: 'demo-tiered',
    name: 'Tiered energy with a session fee',
    definition: {
      currency: 'NOK',
      vatRateBp: 2500,
      energyTiers: [
        { fromWh: 0, pricePerKwh: 390 },
        { fromWh: 20_000, pricePerKwh: 450 },
      ],
      sessionFee: 500,
    },
  },
  {
    id: 'demo-fast',
    name: 'Fast charging with time and idle fees',
    definition: {
      currency: 'NOK',
      vatRateBp: 2500,
      energyTiers: [{ fromWh: 0, pricePerKwh: 550 }],
      pricePerMinute: 20,
      idleFeePerMinute: 100,
      idleGraceMinutes: 15,
    },
  },
];

const DEMO_CHARGERS = [
  { id: 'DEMO-1', name: 'Harbour charger 1', tariffId: 'demo-flat', maxPowerW: 22_000 },
  { id: 'DEMO-2', name: 'Harbour charger 2', tariffId: 'demo-tiered', maxPowerW: 22_000 },
  { id: 'DEMO-3', name: 'Harbour fast charger', tariffId: 'demo-fast', maxPowerW: 50_000 },
];

/** Seeds only a database without any site; safe to call on every start, from several instances. */
export async function seedDemoData(db: Db): Promise<boolean> {
  if ((await db.select({ id: sites.id }).from(sites).limit(1)).length > 0) return false;
  const passwordHash = await hashChargerPassword(DEMO_CHARGER_PASSWORD);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(727275)`);
    const existing = await tx.select({ id: sites.id }).from(sites).limit(1);
    if (existing.length > 0) return false;
    await tx.insert(sites).values({
      id: 'demo-oslo',
      name: 'Demo site, Oslo harbour',
      country: 'NO',
      currency: 'NOK',
      vatRateBp: 2500,
      locales: ['nb', 'en'],
      timeZone: 'Europe/Oslo',
    });
    for (const t of DEMO_TARIFFS) {
      const definition = parseTariff(t.definition);
      await tx.insert(tariffs).values({ id: t.id, siteId: 'demo-oslo', name: t.name });
      await tx.insert(tariffVersions).values({ tariffId: t.id, version: 1, definition, contentHash: tariffHash(definition) });
    }
    for (const c of DEMO_CHARGERS) {
      await tx.insert(chargers).values({ ...c, siteId: 'demo-oslo', passwordHash });
      await tx.insert(connectors).values({ chargerId: c.id, connectorId: 1, status: 'Unavailable' });
    }
    return true;
  });
}
