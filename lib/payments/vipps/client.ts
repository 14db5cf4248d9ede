import { Client as createSdkClient } from '@vippsmobilepay/sdk';
import type { Clock } from '@/lib/clock';
import { errorMessage, type Logger } from '@/lib/logger';
import { VippsApiError, VippsUnavailableError, isRetryableAnswer, parseProblem } from './errors';
import { accessTokenResponseSchema } from './types';

/**
 * The one place that speaks HTTP to Vipps MobilePay.
 *
 * The official SDK is used for what it does safely: the access token, GET
 * payment and its events, and webhook registration (`sdkCall`). Money-moving
 * calls (create, capture, cancel, refund) go through `request` instead,
 * because the SDK replaces any caller Idempotency-Key with a random one
 * (vippsas/deno-sdk#77), so a retry after a timeout could capture twice, and
 * its own retry of a POST with a body throws (the Request body is already
 * consumed). The SDK's retry is therefore off: both paths share one retry
 * policy below, with an injectable sleep.
 */

export interface VippsCredentials {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  subscriptionKey: string;
  merchantSerialNumber: string;
  systemName: string;
  systemVersion: string;
}

export type SdkClient = ReturnType<typeof createSdkClient>;

/** What an SDK method resolves to (its `ClientResponse`); `retry` marks a 5xx. */
export type SdkResult<T> = { ok: true; data: T } | { ok: false; error: unknown; retry?: boolean };

export interface VippsRequest {
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
  /** Derived from our own ids and stored before the call; at most 50 characters. */
  idempotencyKey?: string;
  accept?: string;
  extraHeaders?: Record<string, string>;
}

export interface VippsResponse {
  status: number;
  body: unknown;
  contentType: string;
}

export interface VippsClient {
  readonly credentials: VippsCredentials;
  readonly sdk: SdkClient;
  accessToken(): Promise<string>;
  /** Sends a request with retries on 5xx, 423, 429 and network errors, reusing the same Idempotency-Key. */
  request(req: VippsRequest): Promise<VippsResponse>;
  /** Runs one SDK method with the same token handling, retries and typed errors as `request`. */
  sdkCall<T>(operation: string, call: (sdk: SdkClient, token: string) => Promise<SdkResult<T>>): Promise<T>;
}

export interface VippsClientOptions {
  clock: Clock;
  logger: Logger;
  /** Delays before each retry of a retryable failure (ms); the job queue retries beyond these. */
  retryDelaysMs?: number[];
  sleep?: (ms: number) => Promise<void>;
  /** Per-attempt timeout; a timeout counts as a network failure and is retried with the same key. */
  timeoutMs?: number;
}

export const DEFAULT_RETRY_DELAYS_MS = [300, 1000, 2500];
/** A Retry-After longer than this is left to the job queue instead of holding a worker. */
const MAX_RETRY_AFTER_MS = 10_000;
const MAX_IDEMPOTENCY_KEY_LENGTH = 50;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One attempt's result, before the retry policy decides. */
type Outcome<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'answer'; status: number; body: unknown; retryAfterMs?: number }
  | { kind: 'network'; message: string };

export function createVippsClient(credentials: VippsCredentials, options: VippsClientOptions): VippsClient {
  const { clock, logger } = options;
  const retryDelays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const sleep = options.sleep ?? defaultSleep;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const sdk = createSdkClient({
    merchantSerialNumber: credentials.merchantSerialNumber,
    subscriptionKey: credentials.subscriptionKey,
    useTestMode: credentials.baseUrl !== 'https://api.vipps.no',
    retryRequests: false,
    systemName: credentials.systemName,
    systemVersion: credentials.systemVersion,
  });

  /**
   * The retry policy for every call: 5xx, 423, 429, network failures and the
   * codes Vipps calls transient are sent again (same key, same body) after a
   * backoff; a 401 fetches a new token once; any other 4xx is final.
   */
  async function withRetries<T>(
    operation: string,
    attempt: () => Promise<Outcome<T>>,
    onUnauthorized?: () => void,
  ): Promise<T> {
    let refreshedToken = false;
    let last: { status?: number; errorCode?: number; description: string } = { description: 'no attempt' };
    for (let retry = 0; ; ) {
      const outcome = await attempt();
      if (outcome.kind === 'ok') return outcome.value;
      let waitMs = retryDelays[retry] ?? 0;
      if (outcome.kind === 'network') {
        last = { description: `network error: ${outcome.message}` };
      } else {
        const { problem, errorCode } = parseProblem(outcome.body);
        if (outcome.status === 401 && onUnauthorized && !refreshedToken) {
          // An expired or revoked token: fetch a new one once; this is not a retry.
          refreshedToken = true;
          onUnauthorized();
          continue;
        }
        if (!isRetryableAnswer(outcome.status, errorCode)) {
          throw new VippsApiError(outcome.status, errorCode, problem, operation);
        }
        last = { status: outcome.status, errorCode, description: `HTTP ${outcome.status}${errorCode ? ` (ErrorCode ${errorCode})` : ''}` };
        if (outcome.retryAfterMs !== undefined) waitMs = Math.max(waitMs, Math.min(outcome.retryAfterMs, MAX_RETRY_AFTER_MS));
      }
      if (retry >= retryDelays.length) break;
      logger.warn(`${operation}: ${last.description}; retrying with the same request`, { attempt: retry + 1, waitMs });
      await sleep(waitMs);
      retry++;
    }
    throw new VippsUnavailableError(`${operation} did not succeed: ${last.description}`, last.status, last.errorCode);
  }

  /** Turns an SDK result into an outcome. The SDK hides the HTTP status, so it is read from the answer. */
  async function runSdk<T>(call: () => Promise<SdkResult<T>>): Promise<Outcome<T>> {
    let result: SdkResult<T>;
    try {
      result = await call();
    } catch (error) {
      // The SDK lets fetch failures (DNS, reset, timeout) reject.
      return { kind: 'network', message: errorMessage(error) };
    }
    if (result.ok) return { kind: 'ok', value: result.data };
    // With retryRequests off, the SDK marks every 5xx `retry: true` (its body is dropped).
    if (result.retry) return { kind: 'answer', status: 500, body: undefined };
    // It replaces a 403 body with a plain Error ("not authorized for this product").
    if (result.error instanceof Error) return { kind: 'answer', status: 403, body: undefined };
    const body = result.error as { status?: unknown; statusCode?: unknown } | undefined;
    // RFC 7807 bodies carry `status`; the API gateway's own answers (401, 429) carry `statusCode`.
    const status = typeof body?.status === 'number' ? body.status : typeof body?.statusCode === 'number' ? body.statusCode : 400;
    return { kind: 'answer', status, body };
  }

  let cachedToken: { token: string; refreshAt: number } | undefined;
  let pendingToken: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    const data = await withRetries('access token', () =>
      runSdk(() => sdk.auth.getToken(credentials.clientId, credentials.clientSecret) as Promise<SdkResult<unknown>>),
    );
    const parsed = accessTokenResponseSchema.parse(data);
    const now = clock.now().getTime();
    // Trust expires_in over expires_on when clocks disagree, and renew shortly before expiry:
    // 5 minutes early, or at 90 % of a short lifetime.
    const byLifetime = now + parsed.expires_in * 1000;
    const expiresAt = parsed.expires_on ? Math.min(parsed.expires_on * 1000, byLifetime) : byLifetime;
    const margin = Math.min(5 * 60_000, Math.max(1000, parsed.expires_in * 100));
    cachedToken = { token: parsed.access_token, refreshAt: expiresAt - margin };
    return cachedToken.token;
  }

  async function accessToken(): Promise<string> {
    if (cachedToken && clock.now().getTime() < cachedToken.refreshAt) return cachedToken.token;
    pendingToken ??= fetchToken().finally(() => {
      pendingToken = undefined;
    });
    return pendingToken;
  }

  function forgetToken(token: string) {
    // Only the token that failed: another caller may already hold a fresh one.
    if (cachedToken?.token === token) cachedToken = undefined;
  }

  async function request(req: VippsRequest): Promise<VippsResponse> {
    if (req.idempotencyKey !== undefined && req.idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new Error(`${req.operation}: Idempotency-Key is longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
    }
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    let usedToken = '';
    return withRetries(
      req.operation,
      async (): Promise<Outcome<VippsResponse>> => {
        usedToken = await accessToken();
        const headers: Record<string, string> = {
          Authorization: `Bearer ${usedToken}`,
          'Ocp-Apim-Subscription-Key': credentials.subscriptionKey,
          'Merchant-Serial-Number': credentials.merchantSerialNumber,
          'Vipps-System-Name': credentials.systemName,
          'Vipps-System-Version': credentials.systemVersion,
          Accept: req.accept ?? 'application/json',
          ...req.extraHeaders,
        };
        if (body !== undefined) headers['Content-Type'] = 'application/json';
        if (req.idempotencyKey) headers['Idempotency-Key'] = req.idempotencyKey;
        let response: Response;
        try {
          response = await fetch(`${credentials.baseUrl}${req.path}`, {
            method: req.method,
            headers,
            body,
            signal: AbortSignal.timeout(timeoutMs),
          });
        } catch (error) {
          return { kind: 'network', message: errorMessage(error) };
        }
        const contentType = response.headers.get('content-type') ?? '';
        let answer: unknown;
        try {
          answer = await readBody(response, contentType);
        } catch (error) {
          // The connection died mid-answer: we do not know the outcome, so send the same request again.
          return { kind: 'network', message: errorMessage(error) };
        }
        if (response.ok) return { kind: 'ok', value: { status: response.status, body: answer, contentType } };
        return { kind: 'answer', status: response.status, body: answer, retryAfterMs: retryAfterMs(response) };
      },
      () => forgetToken(usedToken),
    );
  }

  async function sdkCall<T>(operation: string, call: (sdk: SdkClient, token: string) => Promise<SdkResult<T>>): Promise<T> {
    let usedToken = '';
    return withRetries(
      operation,
      async () => {
        usedToken = await accessToken();
        return runSdk(() => call(sdk, usedToken));
      },
      () => forgetToken(usedToken),
    );
  }

  return { credentials, sdk, accessToken, request, sdkCall };
}

function retryAfterMs(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

async function readBody(response: Response, contentType: string): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  // Vipps labels even some 200 answers application/problem+json: any JSON type is JSON.
  if (contentType.includes('json')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}
