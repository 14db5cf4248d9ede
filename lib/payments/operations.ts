import { eq, sql } from 'drizzle-orm';
import { crashPoint } from '@/lib/crash-points';
import type { Db } from '@/lib/db/client';
import { paymentOperations } from '@/lib/db/schema';
import { errorMessage } from '@/lib/logger';
import { VippsApiError } from './vipps/errors';

/**
 * Runs a money-moving call under an Idempotency-Key that is written to the
 * database before the call. After a crash the retry finds the row and sends
 * the same key with the same (stored) request body, so Vipps replays instead
 * of moving money twice. A final rejection (4xx) is kept and never re-sent;
 * anything else (5xx, timeout, crash) leaves the row pending for a retry.
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

export async function runRecordedOperation<T extends object>(
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
    const stored = row.response as { status?: number | null; errorCode?: number | null } | null;
    throw new PaymentOperationRejected(row.error ?? 'rejected', stored?.status ?? undefined, stored?.errorCode ?? undefined);
  }

  await db
    .update(paymentOperations)
    .set({ attempts: sql`${paymentOperations.attempts} + 1` })
    .where(eq(paymentOperations.id, row.id));
  try {
    // The stored request, not a freshly computed one: the same key must carry the same body,
    // and the money moved is what the first attempt meant to move.
    crashPoint(`payment.${row.kind}.key-stored`);
    const response = await call(row.request, row.idempotencyKey);
    crashPoint(`payment.${row.kind}.answered`);
    await db
      .update(paymentOperations)
      .set({ status: 'succeeded', response: response as Record<string, unknown>, error: null, completedAt: new Date() })
      .where(eq(paymentOperations.id, row.id));
    return response;
  } catch (error) {
    // 401/403 say our credentials or sales unit are wrong, nothing about this payment: the key
    // was not used, so the operation stays pending and is sent again once that is fixed.
    if (error instanceof VippsApiError && error.status !== 401 && error.status !== 403) {
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
