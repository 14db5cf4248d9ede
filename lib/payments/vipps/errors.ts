import { problemSchema, type Problem } from './types';

/**
 * A Vipps answer that is final for this request: a 4xx (other than 423/429,
 * which are retried). Code branches on `status` and the numeric `errorCode`,
 * never on the title or detail text, which Vipps rewords over time.
 */
export class VippsApiError extends Error {
  override name = 'VippsApiError';
  constructor(
    readonly status: number,
    readonly errorCode: number | undefined,
    readonly problem: Problem | undefined,
    readonly operation: string,
  ) {
    super(
      `${operation} failed with HTTP ${status}${errorCode ? ` (ErrorCode ${errorCode})` : ''}` +
        `${problem?.title ? `: ${problem.title}` : ''}${problem?.traceId ? ` [traceId ${problem.traceId}]` : ''}`,
    );
  }
}

/**
 * Vipps could not be reached or kept failing (5xx, 423, 429, a network error,
 * or a code that asks for a retry). Safe to retry later with the same key.
 */
export class VippsUnavailableError extends Error {
  override name = 'VippsUnavailableError';
  constructor(
    message: string,
    /** The HTTP status of the last attempt; undefined when it never got an answer. */
    readonly lastStatus?: number,
    readonly errorCode?: number,
  ) {
    super(message);
  }
}

export function parseProblem(body: unknown): { problem: Problem | undefined; errorCode: number | undefined } {
  const parsed = problemSchema.safeParse(body);
  if (!parsed.success) return { problem: undefined, errorCode: undefined };
  const codeDetail = parsed.data.extraDetails?.find((d) => d.name === 'ErrorCode');
  const code = codeDetail?.reason ? Number.parseInt(codeDetail.reason, 10) : Number.NaN;
  return { problem: parsed.data, errorCode: Number.isInteger(code) ? code : undefined };
}

export function isVippsError(error: unknown, status: number, errorCode?: number): error is VippsApiError {
  return (
    error instanceof VippsApiError && error.status === status && (errorCode === undefined || error.errorCode === errorCode)
  );
}

/** Error codes this product reacts to (see shared/vipps-api.md §2.11). */
export const VippsErrorCode = {
  internal: 3010,
  idempotencyConflict: 4010,
  idempotencyKeyExists: 4020,
  invalidAmount: 4040,
  invalidUrl: 4090,
  invalidRequest: 4140,
  /** Create with a reference that exists; on refund: the same key with another body. */
  referenceExists: 4150,
  currencyNotSupported: 5040,
  referenceNotFound: 5090,
  amountTooSmall: 6010,
  cancelPeriodExpired: 6030,
  cannotCancelCaptured: 6040,
  cancelNotReserved: 6050,
  cannotCancelAuthorized: 6060,
  captureBeforeReservation: 6080,
  captureExceedsAuthorized: 6090,
  capturePeriodExpired: 6100,
  refundExceedsCaptured: 6150,
  orderProcessing: 6160,
  refundNotPossible: 6180,
  refundPeriodExpired: 6220,
  cannotCancelProcessing: 6250,
  fundsUnavailable: 6260,
  captureFailedRetry: 6280,
} as const;

/**
 * Codes Vipps documents as transient: the same request with the same key
 * is expected to succeed later, whatever HTTP status carried them.
 */
export const RETRY_WITH_SAME_KEY_CODES: ReadonlySet<number> = new Set([
  VippsErrorCode.orderProcessing,
  VippsErrorCode.captureFailedRetry,
]);

/** Whether an answer with this status (and code) is worth the same request again. */
export function isRetryableAnswer(status: number, errorCode: number | undefined): boolean {
  if (status >= 500 || status === 423 || status === 429) return true;
  return errorCode !== undefined && RETRY_WITH_SAME_KEY_CODES.has(errorCode);
}
