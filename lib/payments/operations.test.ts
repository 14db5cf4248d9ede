import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase, type Database } from '@/lib/db/client';
import { paymentOperations } from '@/lib/db/schema';
import { createTestDatabase, type TestDatabase } from '@/lib/testing/test-database';
import { PaymentOperationRejected, runRecordedOperation, type RecordedOperation } from './operations';
import { VippsApiError, VippsUnavailableError } from './vipps/errors';

/**
 * The guarantees the crash-safety of money calls rests on: the key is in
 * the database before the call, a retry sends the same key with the stored
 * body, and only a final 4xx is remembered as a refusal.
 */

let testDb: TestDatabase;
let database: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await openDatabase(testDb.location);
  await migrateDatabase(database, 'databaseUrl' in testDb.location ? testDb.location.databaseUrl : undefined);
});
afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

const captureOf = (key: string, amount: number): RecordedOperation => ({
  sessionId: null,
  reference: `ref-${key}`,
  kind: 'capture',
  idempotencyKey: key,
  amount,
  request: { amount, currency: 'NOK' },
});

async function rowOf(key: string) {
  const [row] = await database.db.select().from(paymentOperations).where(eq(paymentOperations.idempotencyKey, key));
  return row;
}

describe('recorded money operations', () => {
  it('stores the key before the call, and after a crash re-sends the same key with the stored body', async () => {
    const sent: Array<{ key: string; request: Record<string, unknown> }> = [];
    let rowDuringCall: Awaited<ReturnType<typeof rowOf>>;
    // The process "dies" after the call went out but before the answer was recorded.
    await expect(
      runRecordedOperation(database.db, captureOf('s1-capture', 6049), async (request, key) => {
        rowDuringCall = await rowOf('s1-capture');
        sent.push({ key, request });
        throw new Error('process killed');
      }),
    ).rejects.toThrow('process killed');
    expect(rowDuringCall!).toMatchObject({ status: 'pending', idempotencyKey: 's1-capture', amount: 6049 });

    // The restarted engine asks again, even with a recomputed amount: the stored request wins.
    const result = await runRecordedOperation(database.db, captureOf('s1-capture', 6050), async (request, key) => {
      sent.push({ key, request });
      return { captured: Number(request.amount) };
    });
    expect(result).toEqual({ captured: 6049 });
    expect(sent).toEqual([
      { key: 's1-capture', request: { amount: 6049, currency: 'NOK' } },
      { key: 's1-capture', request: { amount: 6049, currency: 'NOK' } },
    ]);
    expect(await rowOf('s1-capture')).toMatchObject({ status: 'succeeded', attempts: 2, response: { captured: 6049 } });
  });

  it('answers a completed operation from the database without calling Vipps again', async () => {
    await runRecordedOperation(database.db, captureOf('s2-capture', 100), async () => ({ captured: 100 }));
    let called = false;
    const again = await runRecordedOperation(database.db, captureOf('s2-capture', 100), async () => {
      called = true;
      return { captured: 999 };
    });
    expect(again).toEqual({ captured: 100 });
    expect(called).toBe(false);
  });

  it('keeps a final refusal (4xx) and never re-sends it', async () => {
    const refuse = async (): Promise<never> => {
      throw new VippsApiError(400, 6090, undefined, 'capture');
    };
    await expect(runRecordedOperation(database.db, captureOf('s3-capture', 100), refuse)).rejects.toMatchObject({
      name: 'PaymentOperationRejected',
      status: 400,
      errorCode: 6090,
    });
    let called = false;
    const second = await runRecordedOperation(database.db, captureOf('s3-capture', 100), async () => {
      called = true;
      return {};
    }).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(PaymentOperationRejected);
    expect(second).toMatchObject({ status: 400, errorCode: 6090 });
    expect(called).toBe(false);
  });

  it('leaves the operation pending when Vipps was unavailable or our credentials were refused', async () => {
    for (const [key, error] of [
      ['s4-capture', new VippsUnavailableError('capture did not succeed: HTTP 503', 503)],
      ['s5-capture', new VippsApiError(401, undefined, undefined, 'capture')],
    ] as const) {
      await expect(
        runRecordedOperation(database.db, captureOf(key, 100), async () => {
          throw error;
        }),
      ).rejects.toBe(error);
      expect(await rowOf(key)).toMatchObject({ status: 'pending' });
      const retried = await runRecordedOperation(database.db, captureOf(key, 100), async () => ({ captured: 100 }));
      expect(retried).toEqual({ captured: 100 });
    }
  });
});
