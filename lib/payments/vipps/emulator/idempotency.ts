import { createHash } from 'node:crypto';
import { and, eq, gte, sql } from 'drizzle-orm';
import type { Clock } from '@/lib/clock';
import type { Tx } from '@/lib/db/client';
import { problem, type EmulatorResponse } from './problems';
import { emulatorIdempotency, emulatorModificationCalls } from './schema';

/**
 * Idempotency-Key replay and the per-reference limit on modifying calls, as
 * ePayment documents them. Runs inside the caller's transaction, so an
 * answer and its idempotency record commit together.
 */

export const MODIFICATIONS_PER_MINUTE = 5;
const MAX_KEY_LENGTH = 50;

export type ModifyingOperation = 'create' | 'capture' | 'cancel' | 'refund';

/** JSON with sorted keys: the same body sent again with its keys in another order is the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function hashRequest(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

/**
 * The spec labels modification answers application/problem+json even on 200;
 * the emulator does the same, so a client that only parses application/json fails here first.
 */
export function answerHeaders(operation: ModifyingOperation | 'modification', status: number): Record<string, string> {
  return { 'content-type': status >= 400 || operation !== 'create' ? 'application/problem+json' : 'application/json' };
}

/** Checked before anything else: a modifying call without a usable key never reaches the payment. */
export function idempotencyKeyProblem(idempotencyKey: string | null): EmulatorResponse | undefined {
  if (!idempotencyKey) return problem(400, 'Missing Idempotency-Key header', 4140);
  if (idempotencyKey.length > MAX_KEY_LENGTH) return problem(400, `Idempotency-Key is longer than ${MAX_KEY_LENGTH} characters`, 4140);
  return undefined;
}

/**
 * Runs a modifying call under its Idempotency-Key: the same key and body
 * replay the stored answer; the same key with another body is a 409 (4010 on
 * capture, 4150 on refund), with another operation or reference a 409 (4020).
 * Rejections (4xx) are stored too: a refused request stays refused.
 */
export async function underIdempotencyKey(
  tx: Tx,
  ctx: { clock: Clock; msn: string },
  request: { operation: ModifyingOperation; reference: string; idempotencyKey: string; body: unknown },
  run: () => Promise<EmulatorResponse>,
): Promise<EmulatorResponse> {
  const { clock, msn } = ctx;
  const { operation, reference, idempotencyKey } = request;
  const requestHash = hashRequest(request.body);
  // Serialises concurrent requests that carry the same key.
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`${msn}:${idempotencyKey}`}))`);
  // The limit counts every modifying request for the reference, replays included: the gateway
  // cannot tell a replay from a new request before it reaches the payment.
  const limited = await rateLimited(tx, clock, reference);
  if (limited) return limited;
  const [previous] = await tx
    .select()
    .from(emulatorIdempotency)
    .where(and(eq(emulatorIdempotency.msn, msn), eq(emulatorIdempotency.idempotencyKey, idempotencyKey)));
  if (previous) {
    if (previous.operation !== operation || previous.reference !== reference) {
      return problem(409, `Idempotency-Key ${idempotencyKey} already exists for another operation`, 4020);
    }
    if (previous.requestHash !== requestHash) {
      const code = operation === 'capture' ? 4010 : operation === 'refund' ? 4150 : undefined;
      return problem(409, 'The Idempotency-Key was used with a different request body', code);
    }
    return { status: previous.responseStatus, body: previous.responseBody, headers: answerHeaders(operation, previous.responseStatus) };
  }
  const response = await run();
  if (response.status < 500) {
    await tx.insert(emulatorIdempotency).values({
      msn,
      idempotencyKey,
      operation,
      reference,
      requestHash,
      responseStatus: response.status,
      responseBody: response.body,
      createdAt: clock.now(),
    });
  }
  return response;
}

async function rateLimited(tx: Tx, clock: Clock, reference: string): Promise<EmulatorResponse | undefined> {
  const now = clock.now();
  const since = new Date(now.getTime() - 60_000);
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(emulatorModificationCalls)
    .where(and(eq(emulatorModificationCalls.reference, reference), gte(emulatorModificationCalls.at, since)));
  if ((row?.n ?? 0) >= MODIFICATIONS_PER_MINUTE) {
    const limited = problem(429, 'Too many requests for this reference');
    return { ...limited, headers: { ...limited.headers, 'retry-after': '60' } };
  }
  await tx.insert(emulatorModificationCalls).values({ reference, at: now });
  return undefined;
}
