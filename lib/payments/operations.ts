import { eq, sql } from 'drizzle-orm';
import type { Db } from '@/lib/db/client';
import { paymentOperations } from '@/lib/db/schema';
import { errorMessage } from '@/lib/logger';
import { VippsApiError } from './vipps/errors';

/**
 * Runs a money-moving call under an Idempotency-Key that is written to the
 * database before the call. After a crash the retry finds the row and sends
 * the same key with the same request body, so Vipps replays instead of
 * moving money twice. A final rejection (4xx) is kept and never re-sent.
 */

export interface RecordedOperation {
  sessionId: string | null;
  reference: string;
  kind: 'create' | 'capture' | 'cancel' | 'refund';
  idempotencyKey: string;
  amount: number | null;
  request: Record<string, unknown>;
}

export class PaymentOperationRejected extends Error {
  override name = 'PaymentOperationRejected';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly errorCode: number | undefined,
  ) {
    super(message);
  }
}

export async function runRecordedOperation<T extends Record<string, unknown>>(
  db: Db,
  operation: RecordedOperation,
  call: (request: Record<string, unknown>, idempotencyKey: string) => Promise<T>,
): Promise<T> {
  await db
    .insert(paymentOperations)
    .values({
      sessionId: operation.sessionId,
      reference: operation.reference,
      kind: operation.kind,
      idempotencyKey: operation.idempotencyKey,
      amount: operation.amount,
      request: operation.request,
      status: 'pending',
    })
    .onConflictDoNothing();
  const [row] = await db
    .select()
    .from(paymentOperations)
    .where(eq(paymentOperations.idempotencyKey, operation.idempotencyKey));
  if (!row) throw new Error(`payment operation ${operation.idempotencyKey} vanished`);
  if (row.status === 'succeeded') return row.response as T;
  if (row.status === 'failed') {
    const stored = row.response as { status?: number; errorCode?: number } | null;
    throw new PaymentOperationRejected(row.error ?? 'rejected', stored?.status, stored?.errorCode);
  }

  await db
    .update(paymentOperations)
    .set({ attempts: sql`${paymentOperations.attempts} + 1` })
    .where(eq(paymentOperations.id, row.id));
  try {
    // The stored request, not a freshly computed one: the same key must carry the same body.
    const response = await call(row.request, row.idempotencyKey);
    await db
      .update(paymentOperations)
      .set({ status: 'succeeded', response, error: null, completedAt: new Date() })
      .where(eq(paymentOperations.id, row.id));
    return response;
  } catch (error) {
    if (error instanceof VippsApiError) {
      await db
        .update(paymentOperations)
        .set({
          status: 'failed',
          error: error.message,
          response: { status: error.status, errorCode: error.errorCode ?? null },
          completedAt: new Date(),
        })
        .where(eq(paymentOperations.id, row.id));
      throw new PaymentOperationRejected(error.message, error.status, error.errorCode);
    }
    await db.update(paymentOperations).set({ error: errorMessage(error) }).where(eq(paymentOperations.id, row.id));
    throw error;
  }
}
