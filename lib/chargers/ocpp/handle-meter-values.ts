import { afterReply, integerParam, storeMeterSamples, type InboundDeps, type OcppParams } from './inbound-deps';
import { normalizeMeterValues } from './meter-values';
import { resolveTransaction } from './transaction-queries';

/**
 * MeterValues are acknowledged at once and stored afterwards: a charger
 * that waits for our database sends its next sample late, and one that
 * gets an error retries the same sample and holds back its queue. Samples
 * for a transaction that already stopped (a late, queued message) are kept
 * for the record but no longer move the session.
 */
export async function handleMeterValues(deps: InboundDeps, chargerId: string, params: OcppParams) {
  const receivedAt = deps.clock.now();
  afterReply(deps, chargerId, 'MeterValues', async () => {
    const connectorId = integerParam(params.connectorId);
    const readings = normalizeMeterValues(params.meterValue, receivedAt);
    if (readings.length === 0) return;
    const transaction = await resolveTransaction(deps.db, chargerId, params.transactionId, {
      connectorId: connectorId !== undefined && connectorId > 0 ? connectorId : undefined,
    });
    await storeMeterSamples(deps.db, chargerId, transaction?.id ?? null, readings, null);
    if (transaction && transaction.stoppedAt === null && transaction.idTagStatus === 'Accepted') {
      await deps.sink.meterValues({ chargerId, connectorId: transaction.connectorId, transactionId: transaction.id, readings });
    }
  });
  return {};
}
