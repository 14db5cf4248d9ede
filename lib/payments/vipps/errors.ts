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

/** Vipps could not be reached or kept failing (5xx, 423, 429, network); safe to retry with the same key. */
export class VippsUnavailableError extends Error {
  override name = 'VippsUnavailableError';
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
  captureExceedsAuthorized: 6090,
  cannotCancelCaptured: 6040,
  cannotCancelAuthorized: 6060,
  cancelNotReserved: 6050,
  refundExceedsCaptured: 6150,
  amountTooSmall: 6010,
  referenceExists: 4150,
  idempotencyConflict: 4010,
  invalidRequest: 4140,
} as const;
