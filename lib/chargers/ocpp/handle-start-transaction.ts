import { and, eq, isNull, ne } from 'drizzle-orm';
import { createRPCError } from 'ocpp-rpc';
import { ocppTransactions } from '@/lib/db/schema';
import { errorMessage } from '@/lib/logger';
import type { IdTagStatus } from '../charger-control';
import { integerParam, type InboundDeps, type OcppParams } from './inbound-deps';
import { parseOcppTimestamp } from './meter-values';

/**
 * StartTransaction: the central system assigns the transactionId. The
 * idTag is the one-time tag of a paid session, so the engine decides
 * whether it may start here; anything else (a local start with a card, a
 * tag whose session gave up waiting) is answered Invalid, and a charger
 * with StopTransactionOnInvalidId stops at once.
 *
 * A charger that never got our answer sends the same StartTransaction
 * again after reconnecting, with a new message id: it is recognised by its
 * content (connector, idTag, timestamp, meterStart) and gets the same
 * transactionId and answer back.
 */
export async function handleStartTransaction(deps: InboundDeps, chargerId: string, params: OcppParams) {
  const { db, clock, logger, sink } = deps;
  const connectorId = integerParam(params.connectorId);
  const meterStartWh = integerParam(params.meterStart);
  const idTag = typeof params.idTag === 'string' ? params.idTag : '';
  const startedAt = parseOcppTimestamp(params.timestamp, clock.now());
  if (connectorId === undefined || connectorId < 1 || meterStartWh === undefined) {
    throw createRPCError('FormationViolation', 'connectorId and meterStart are required');
  }

  const sameContent = and(
    eq(ocppTransactions.chargerId, chargerId),
    eq(ocppTransactions.connectorId, connectorId),
    eq(ocppTransactions.idTag, idTag),
    eq(ocppTransactions.startedAt, startedAt),
    eq(ocppTransactions.meterStartWh, meterStartWh),
  );
  let [row] = await db.select().from(ocppTransactions).where(sameContent);
  if (row) {
    logger.info('repeated StartTransaction answered with the same transactionId', { chargerId, transactionId: row.id });
  } else {
    const status: IdTagStatus = await sink.authorizeStart({ chargerId, connectorId, idTag });
    [row] = await db
      .insert(ocppTransactions)
      .values({ chargerId, connectorId, idTag, meterStartWh, startedAt, idTagStatus: status })
      .onConflictDoNothing()
      .returning();
    row ??= (await db.select().from(ocppTransactions).where(sameContent))[0];
    if (row) await closeUnstoppedTransactions(deps, chargerId, connectorId, row.id, startedAt);
  }
  if (!row) throw createRPCError('InternalError', 'could not store the transaction');

  if (row.idTagStatus === 'Accepted') {
    try {
      await sink.transactionStarted({ chargerId, connectorId, idTag, transactionId: row.id, meterStartWh, startedAt });
    } catch (error) {
      // Unanswered, the charger sends it again and the engine gets another chance; answered, the session would be lost.
      logger.error('the engine could not take a started transaction; the charger will retry', {
        chargerId,
        transactionId: row.id,
        error: errorMessage(error),
      });
      throw createRPCError('InternalError', 'try again');
    }
  } else {
    logger.warn('refused a transaction with an unknown or spent idTag', { chargerId, connectorId, idTag, status: row.idTagStatus });
  }
  return { transactionId: row.id, idTagInfo: { status: row.idTagStatus } };
}

/** A new transaction on a connector means any earlier one there ended, even if its StopTransaction never came. */
async function closeUnstoppedTransactions(deps: InboundDeps, chargerId: string, connectorId: number, newId: number, startedAt: Date) {
  const stale = await deps.db
    .select({ id: ocppTransactions.id, sessionId: ocppTransactions.sessionId })
    .from(ocppTransactions)
    .where(
      and(
        eq(ocppTransactions.chargerId, chargerId),
        eq(ocppTransactions.connectorId, connectorId),
        isNull(ocppTransactions.stoppedAt),
        ne(ocppTransactions.id, newId),
        eq(ocppTransactions.idTagStatus, 'Accepted'),
      ),
    );
  for (const t of stale) {
    deps.logger.error('a new transaction started on a connector whose previous transaction never reported its stop', {
      chargerId,
      connectorId,
      previousTransactionId: t.id,
      sessionId: t.sessionId,
    });
    await deps.sink.transactionSuperseded?.({ chargerId, connectorId, transactionId: t.id, supersededAt: startedAt });
  }
}
