import { and, asc, desc, eq, gte, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import { createRPCError } from 'ocpp-rpc';
import { crashPoint } from '@/lib/crash-points';
import type { Tx } from '@/lib/db/client';
import { meterSamples, ocppTransactions } from '@/lib/db/schema';
import { errorMessage } from '@/lib/logger';
import { afterReply, integerParam, storeMeterSamples, type InboundDeps, type OcppParams } from './inbound-deps';
import { normalizeMeterValues, parseOcppTimestamp } from './meter-values';
import { ocppInboundMessages } from './schema';
import { resolveTransaction, type OcppTransactionRow } from './transaction-queries';

/**
 * StopTransaction is acknowledged first and processed after: the central
 * system cannot refuse a stop (OCPP 1.6 §4.10), and a charger that gets no
 * answer retries and stalls its queue. The raw message is stored before
 * the answer, so an acknowledged stop is never lost: a processing that
 * fails (the engine, the database) is retried from the stored message.
 *
 * The one case that is not acknowledged is a database that cannot even
 * store the raw message: then the charger keeps the stop in its queue and
 * retries, which is exactly what its retry is for.
 */
export async function handleStopTransaction(deps: InboundDeps, chargerId: string, params: OcppParams) {
  let messageId: number;
  try {
    const [row] = await deps.db
      .insert(ocppInboundMessages)
      .values({ chargerId, action: 'StopTransaction', payload: params, receivedAt: deps.clock.now() })
      .returning({ id: ocppInboundMessages.id });
    messageId = row!.id;
  } catch (error) {
    deps.logger.error('could not store a StopTransaction; the charger will retry it', { chargerId, params, error: errorMessage(error) });
    throw createRPCError('InternalError', 'try again');
  }
  crashPoint('ocpp.stop-transaction.stored');
  afterReply(deps, chargerId, 'StopTransaction', () => processStoredStop(deps, messageId));
  return { idTagInfo: { status: 'Accepted' } };
}

/** Processes one stored StopTransaction once, whichever instance gets to it first. */
export async function processStoredStop(deps: InboundDeps, messageId: number): Promise<void> {
  const { db, clock, logger } = deps;
  crashPoint('ocpp.stop-transaction.acknowledged');
  try {
    await db.transaction(async (tx) => {
      const [message] = await tx
        .select()
        .from(ocppInboundMessages)
        .where(and(eq(ocppInboundMessages.id, messageId), isNull(ocppInboundMessages.processedAt)))
        .for('update', { skipLocked: true });
      if (!message) return;
      const outcome = await applyStop(deps, tx, message.chargerId, message.payload, message.receivedAt);
      await tx
        .update(ocppInboundMessages)
        .set({ processedAt: clock.now(), outcome, attempts: message.attempts + 1, lastError: null })
        .where(eq(ocppInboundMessages.id, messageId));
    });
  } catch (error) {
    await db
      .update(ocppInboundMessages)
      .set({ attempts: sql`${ocppInboundMessages.attempts} + 1`, lastError: errorMessage(error).slice(0, 2000) })
      .where(eq(ocppInboundMessages.id, messageId))
      .catch(() => {});
    logger.error('processing a StopTransaction failed; it will be retried', { messageId, error: errorMessage(error) });
  }
}

/** Retries stored stops whose processing failed (or whose instance died before it ran). */
export async function retryUnprocessedStops(deps: InboundDeps, olderThanSeconds: number): Promise<number> {
  const cutoff = new Date(deps.clock.now().getTime() - olderThanSeconds * 1000);
  const pending = await deps.db
    .select({ id: ocppInboundMessages.id, chargerId: ocppInboundMessages.chargerId })
    .from(ocppInboundMessages)
    .where(and(isNull(ocppInboundMessages.processedAt), lt(ocppInboundMessages.receivedAt, cutoff)))
    .orderBy(asc(ocppInboundMessages.id))
    .limit(50);
  for (const { id, chargerId } of pending) await deps.lanes.run(chargerId, () => processStoredStop(deps, id));
  return pending.length;
}

async function applyStop(deps: InboundDeps, tx: Tx, chargerId: string, params: OcppParams, receivedAt: Date): Promise<string> {
  const { logger, sink } = deps;
  const idTag = typeof params.idTag === 'string' && params.idTag !== '' ? params.idTag : undefined;
  const transaction = await resolveTransaction(tx, chargerId, params.transactionId, { idTag });
  if (!transaction) {
    logger.warn('StopTransaction for an unknown transaction', { chargerId, params });
    return 'unknown transaction';
  }
  if (transaction.stoppedAt !== null) return `transaction ${transaction.id} had already stopped`;

  const transactionData = normalizeMeterValues(params.transactionData, receivedAt);
  let meterStopWh = integerParam(params.meterStop);
  let note = '';
  if (meterStopWh === undefined) {
    // The transaction ended all the same; bill what the charger last reported rather than leave the session open.
    meterStopWh = await lastKnownRegister(tx, transaction, transactionData);
    note = ` (meterStop missing, used the last reading ${meterStopWh} Wh)`;
    logger.error('StopTransaction without a usable meterStop', { chargerId, transactionId: transaction.id, params });
  }
  const stoppedAt = parseOcppTimestamp(params.timestamp, receivedAt);
  // A missing reason means Local (OCPP 1.6 StopTransaction.req).
  const reason = typeof params.reason === 'string' ? params.reason : 'Local';

  const [stopped] = await tx
    .update(ocppTransactions)
    .set({ meterStopWh, stoppedAt, stopReason: reason })
    .where(and(eq(ocppTransactions.id, transaction.id), isNull(ocppTransactions.stoppedAt)))
    .returning();
  if (!stopped) return `transaction ${transaction.id} had already stopped`;
  await storeMeterSamples(tx, chargerId, transaction.id, transactionData, 'Transaction.End');
  if (stopped.idTagStatus === 'Accepted') {
    await sink.transactionStopped(tx, {
      chargerId,
      transactionId: stopped.id,
      idTag: stopped.idTag,
      meterStartWh: stopped.meterStartWh,
      meterStopWh,
      stoppedAt,
      reason,
    });
  }
  return `stopped transaction ${stopped.id}${note}`;
}

async function lastKnownRegister(tx: Tx, transaction: OcppTransactionRow, transactionData: { energyWh?: number }[]): Promise<number> {
  const fromMessage = transactionData.map((r) => r.energyWh).filter((v): v is number => v !== undefined);
  const [sample] = await tx
    .select({ energyWh: meterSamples.energyWh })
    .from(meterSamples)
    .where(
      and(
        eq(meterSamples.transactionId, transaction.id),
        isNotNull(meterSamples.energyWh),
        gte(meterSamples.energyWh, transaction.meterStartWh),
      ),
    )
    .orderBy(desc(meterSamples.sampledAt))
    .limit(1);
  return Math.max(transaction.meterStartWh, ...fromMessage, sample?.energyWh ?? transaction.meterStartWh);
}
