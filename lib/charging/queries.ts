import { and, desc, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '@/lib/db/client';
import {
  chargers,
  chargingSessions,
  connectors,
  sites,
  tariffVersions,
  type Charger,
  type ChargingSessionRow,
  type Connector,
  type Site,
} from '@/lib/db/schema';
import { parseTariff, type Tariff } from '@/lib/pricing/tariff';
import { hashSessionToken, looksLikeSessionToken } from './identifiers';
import { LIVE_STATES } from './state-machine';

export async function getSessionById(db: DbOrTx, id: string): Promise<ChargingSessionRow | undefined> {
  const [row] = await db.select().from(chargingSessions).where(eq(chargingSessions.id, id));
  return row;
}

export async function getSessionByToken(db: DbOrTx, token: string): Promise<ChargingSessionRow | undefined> {
  if (!looksLikeSessionToken(token)) return undefined;
  const [row] = await db.select().from(chargingSessions).where(eq(chargingSessions.tokenHash, hashSessionToken(token)));
  return row;
}

export async function getSessionByReference(db: DbOrTx, reference: string): Promise<ChargingSessionRow | undefined> {
  const [row] = await db.select().from(chargingSessions).where(eq(chargingSessions.reference, reference));
  return row;
}

export async function getSessionByIdTag(db: DbOrTx, idTag: string): Promise<ChargingSessionRow | undefined> {
  const [row] = await db.select().from(chargingSessions).where(eq(chargingSessions.idTag, idTag));
  return row;
}

export async function getSessionByTransaction(
  db: DbOrTx,
  chargerId: string,
  transactionId: number,
): Promise<ChargingSessionRow | undefined> {
  const [row] = await db
    .select()
    .from(chargingSessions)
    .where(and(eq(chargingSessions.chargerId, chargerId), eq(chargingSessions.transactionId, transactionId)));
  return row;
}

export async function getLiveSessionOnConnector(
  db: DbOrTx,
  chargerId: string,
  connectorId: number,
): Promise<ChargingSessionRow | undefined> {
  const [row] = await db
    .select()
    .from(chargingSessions)
    .where(
      and(
        eq(chargingSessions.chargerId, chargerId),
        eq(chargingSessions.connectorId, connectorId),
        inArray(chargingSessions.state, [...LIVE_STATES]),
      ),
    )
    .limit(1);
  return row;
}

export async function getLatestPendingSessionOnConnector(
  db: DbOrTx,
  chargerId: string,
  connectorId: number,
): Promise<ChargingSessionRow | undefined> {
  const [row] = await db
    .select()
    .from(chargingSessions)
    .where(
      and(
        eq(chargingSessions.chargerId, chargerId),
        eq(chargingSessions.connectorId, connectorId),
        eq(chargingSessions.state, 'PAYMENT_PENDING'),
      ),
    )
    .orderBy(desc(chargingSessions.createdAt))
    .limit(1);
  return row;
}

export interface ChargerWithTariff {
  charger: Charger;
  site: Site;
  connectors: Connector[];
  tariff: Tariff;
  tariffVersionId: number;
  tariffHash: string;
}

/** A charger with its site, connectors and the tariff version a driver would pay now. */
export async function getChargerWithTariff(db: DbOrTx, chargerId: string): Promise<ChargerWithTariff | undefined> {
  const [row] = await db
    .select({ charger: chargers, site: sites })
    .from(chargers)
    .innerJoin(sites, eq(sites.id, chargers.siteId))
    .where(eq(chargers.id, chargerId));
  if (!row) return undefined;
  const [version] = await db
    .select()
    .from(tariffVersions)
    .where(eq(tariffVersions.tariffId, row.charger.tariffId))
    .orderBy(desc(tariffVersions.version))
    .limit(1);
  if (!version) return undefined;
  const connectorRows = await db
    .select()
    .from(connectors)
    .where(eq(connectors.chargerId, chargerId))
    .orderBy(connectors.connectorId);
  return {
    charger: row.charger,
    site: row.site,
    connectors: connectorRows,
    tariff: parseTariff(version.definition),
    tariffVersionId: version.id,
    tariffHash: version.contentHash,
  };
}
