import { Client as createSdkClient } from '@vippsmobilepay/sdk';
import type { Clock } from '@/lib/clock';
import { errorMessage, type Logger } from '@/lib/logger';
import { VippsApiError, VippsUnavailableError, parseProblem } from './errors';

/**
 * The one place that speaks HTTP to Vipps MobilePay.
 *
 * The official SDK is used for what it does safely: the access token, GET
 * payment, and webhook registration. Money-moving calls (create, capture,
 * cancel, refund) go through `request` below instead, because the SDK
 * replaces any caller Idempotency-Key with a random one (vippsas/deno-sdk#77),
 * so a retry after a timeout could capture twice, and its retry of a POST with
 * a body throws (the Request body is already consumed).
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

export interface VippsRequest {
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
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
}

export interface VippsClientOptions {
  clock: Clock;
  logger: Logger;
  /** Delays between attempts for retryable failures (ms); the job queue retries beyond these. */
  retryDelaysMs?: number[];
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createVippsClient(credentials: VippsCredentials, options: VippsClientOptions): VippsClient {
  const { clock, logger } = options;
  const retryDelays = options.retryDelaysMs ?? [300, 1000, 2500];
  const sleep = options.sleep ?? defaultSleep;
  const sdk = createSdkClient({
    merchantSerialNumber: credentials.merchantSerialNumber,
    subscriptionKey: credentials.subscriptionKey,
    useTestMode: credentials.baseUrl !== 'https://api.vipps.no',
    // GETs through the SDK are safe to retry; POSTs never go through it.
    retryRequests: true,
    systemName: credentials.systemName,
    systemVersion: credentials.systemVersion,
  });

  let cachedToken: { token: string; refreshAt: number } | undefined;
  let pendingToken: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    const result = await sdk.auth.getToken(credentials.clientId, credentials.clientSecret);
    if (!result.ok) {
      throw new VippsUnavailableError(`access token request failed: ${describeSdkError(result.error)}`);
    }
    const expiresOn = Number(result.data.expires_on) * 1000;
    const lifetime = Number(result.data.expires_in) * 1000;
    // Renew shortly before expiry: 5 minutes early, or at 90 % of a short lifetime.
    const margin = Math.min(5 * 60_000, Math.max(1000, lifetime * 0.1));
    const expiresAt = Number.isFinite(expiresOn) && expiresOn > 0 ? expiresOn : clock.now().getTime() + lifetime;
    cachedToken = { token: result.data.access_token, refreshAt: expiresAt - margin };
    return cachedToken.token;
  }

  async function accessToken(): Promise<string> {
    if (cachedToken && clock.now().getTime() < cachedToken.refreshAt) return cachedToken.token;
    pendingToken ??= fetchToken().finally(() => {
      pendingToken = undefined;
    });
    return pendingToken;
  }

  async function attempt(req: VippsRequest): Promise<Response> {
    const token = await accessToken();
    const headers: Record<string, string> = {
      Authorization: `Bearer ${token}`,
      'Ocp-Apim-Subscription-Key': credentials.subscriptionKey,
      'Merchant-Serial-Number': credentials.merchantSerialNumber,
      'Vipps-System-Name': credentials.systemName,
      'Vipps-System-Version': credentials.systemVersion,
      Accept: req.accept ?? 'application/json',
      ...req.extraHeaders,
    };
    if (req.body !== undefined) headers['Content-Type'] = 'application/json';
    if (req.idempotencyKey) headers['Idempotency-Key'] = req.idempotencyKey;
    return fetch(`${credentials.baseUrl}${req.path}`, {
      method: req.method,
      headers,
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      signal: AbortSignal.timeout(15_000),
    });
  }

  async function request(req: VippsRequest): Promise<VippsResponse> {
    let lastFailure = '';
    let refreshedToken = false;
    for (let i = 0; i <= retryDelays.length; i++) {
      let response: Response;
      try {
        response = await attempt(req);
      } catch (error) {
        lastFailure = `network error: ${errorMessage(error)}`;
        logger.warn(`${req.operation}: ${lastFailure}`, { attempt: i + 1 });
        if (i < retryDelays.length) await sleep(retryDelays[i]!);
        continue;
      }
      const contentType = response.headers.get('content-type') ?? '';
      const body = await readBody(response, contentType);
      if (response.ok) return { status: response.status, body, contentType };
      if (response.status === 401 && !refreshedToken) {
        // An expired or revoked token: fetch a new one once.
        refreshedToken = true;
        cachedToken = undefined;
        i--;
        continue;
      }
      const retryable = response.status >= 500 || response.status === 423 || response.status === 429;
      if (!retryable) {
        const { problem, errorCode } = parseProblem(body);
        throw new VippsApiError(response.status, errorCode, problem, req.operation);
      }
      lastFailure = `HTTP ${response.status}`;
      logger.warn(`${req.operation}: ${lastFailure}, retrying with the same Idempotency-Key`, { attempt: i + 1 });
      if (i < retryDelays.length) {
        const retryAfter = Number(response.headers.get('retry-after'));
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, 10_000) : retryDelays[i]!);
      }
    }
    throw new VippsUnavailableError(`${req.operation} did not succeed: ${lastFailure}`);
  }

  return { credentials, sdk, accessToken, request };
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

export function describeSdkError(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}
