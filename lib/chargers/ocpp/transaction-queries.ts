import { and, desc, eq, isNull } from 'drizzle-orm';
import type { DbOrTx } from '@/lib/db/client';
import { ocppTransactions } from '@/lib/db/schema';

export type OcppTransactionRow = typeof ocppTransactions.$inferSelect;

export async function getTransactionById(db: DbOrTx, chargerId: string, transactionId: number): Promise<OcppTransactionRow | undefined> {
  const [row] = await db
    .select()
    .from(ocppTransactions)
    .where(and(eq(ocppTransactions.id, transactionId), eq(ocppTransactions.chargerId, chargerId)));
  return row;
}

/** The newest transaction on the charger that has not stopped, narrowed by connector or idTag when known. */
export async function getOpenTransaction(
  db: DbOrTx,
  chargerId: string,
  hints: { connectorId?: number; idTag?: string } = {},
): Promise<OcppTransactionRow | undefined> {
  const [row] = await db
    .select()
    .from(ocppTransactions)
    .where(
      and(
        eq(ocppTransactions.chargerId, chargerId),
        hints.connectorId ? eq(ocppTransactions.connectorId, hints.connectorId) : undefined,
        hints.idTag ? eq(ocppTransactions.idTag, hints.idTag) : undefined,
        isNull(ocppTransactions.stoppedAt),
      ),
    )
    .orderBy(desc(ocppTransactions.id))
    .limit(1);
  return row;
}

/**
 * The transaction a message refers to. A charger whose StartTransaction
 * answer never arrived sends -1 (or 0, or nothing) and means "the
 * transaction running on this connector", so that is what we look up.
 */
export async function resolveTransaction(
  db: DbOrTx,
  chargerId: string,
  transactionId: unknown,
  hints: { connectorId?: number; idTag?: string } = {},
): Promise<OcppTransactionRow | undefined> {
  const id = typeof transactionId === 'string' ? Number(transactionId) : transactionId;
  if (typeof id === 'number' && Number.isSafeInteger(id) && id > 0) {
    const row = await getTransactionById(db, chargerId, id);
    if (row) return row;
  }
  return (
    (await getOpenTransaction(db, chargerId, hints)) ??
    // The idTag may be missing or differ on a stop; the connector alone still names the transaction.
    (hints.idTag ? await getOpenTransaction(db, chargerId, { connectorId: hints.connectorId }) : undefined)
  );
}
