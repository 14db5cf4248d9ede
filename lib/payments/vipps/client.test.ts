import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFakeClock, type FakeClock } from '@/lib/clock';
import { silentLogger } from '@/lib/logger';
import { createVippsClient, type VippsClient } from './client';
import { capturePayment, getPayment, getPaymentEvents } from './epayment';
import { VippsApiError, VippsUnavailableError } from './errors';

/**
 * The client's retry, backoff, token and error rules, against scripted
 * answers (MSW) rather than the emulator, so each failure mode is exact.
 */

const BASE = 'https://apitest.vipps.no';
const credentials = {
  baseUrl: BASE,
  clientId: 'client-id',
  clientSecret: 'client-secret',
  subscriptionKey: 'subscription-key',
  merchantSerialNumber: '123456',
  systemName: 'ev-checkout',
  systemVersion: '0.1.0',
};
const REFERENCE = 'ev-test-ref-0001';

const server = setupServer();
let clock: FakeClock;
let sleeps: number[];
let seen: Request[];
let tokensIssued: number;

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  clock = createFakeClock(new Date('2026-11-23T14:00:00Z'));
  sleeps = [];
  seen = [];
  tokensIssued = 0;
  server.events.removeAllListeners();
  server.events.on('request:start', ({ request }) => {
    seen.push(request.clone());
  });
  server.use(
    http.post(`${BASE}/accesstoken/get`, () => {
      tokensIssued++;
      const now = Math.floor(clock.now().getTime() / 1000);
      return HttpResponse.json({
        token_type: 'Bearer',
        expires_in: '3600',
        ext_expires_in: '0',
        expires_on: String(now + 3600),
        not_before: String(now),
        resource: 'resource',
        access_token: `token-${tokensIssued}`,
      });
    }),
  );
});
afterEach(() => server.resetHandlers());

function client(retryDelaysMs = [10, 20, 30]): VippsClient {
  return createVippsClient(credentials, {
    clock,
    logger: silentLogger,
    retryDelaysMs,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
}

const modification = (captured: number) => ({
  reference: REFERENCE,
  state: 'AUTHORIZED',
  amount: { currency: 'NOK', value: 35_000 },
  aggregate: {
    authorizedAmount: { currency: 'NOK', value: 35_000 },
    capturedAmount: { currency: 'NOK', value: captured },
    cancelledAmount: { currency: 'NOK', value: 0 },
    refundedAmount: { currency: 'NOK', value: 0 },
  },
  pspReference: 'psp-1',
});

const problemJson = (status: number, errorCode?: number) =>
  HttpResponse.json(
    {
      type: 'about:blank',
      title: 'Some wording Vipps may change',
      status,
      traceId: 'trace-1',
      extraDetails: errorCode ? [{ name: 'ErrorCode', reason: String(errorCode) }] : [],
    },
    { status, headers: { 'content-type': 'application/problem+json' } },
  );

/** A capture endpoint that answers from a script, one entry per attempt. */
function scriptedCapture(script: Array<() => Response>) {
  let call = 0;
  server.use(
    http.post(`${BASE}/epayment/v1/payments/:reference/capture`, () => {
      const answer = script[Math.min(call, script.length - 1)]!;
      call++;
      return answer();
    }),
  );
  return { calls: () => call };
}

const capture = (c: VippsClient) =>
  capturePayment(c, { reference: REFERENCE, idempotencyKey: 'session-1-capture', amount: 6049, currency: 'NOK' });

const captureRequests = () => seen.filter((r) => r.url.endsWith('/capture'));

describe('retries of money calls', () => {
  it('sends the same Idempotency-Key and body after a 5xx, a 423 and a network failure, waiting the injected backoff', async () => {
    const script = scriptedCapture([
      () => problemJson(500),
      () => problemJson(423),
      () => HttpResponse.error(),
      () => HttpResponse.json(modification(6049), { headers: { 'content-type': 'application/problem+json' } }),
    ]);
    const result = await capture(client());
    expect(result.captured).toBe(6049);
    expect(script.calls()).toBe(4);
    expect(sleeps).toEqual([10, 20, 30]);
    const attempts = captureRequests();
    expect(new Set(attempts.map((r) => r.headers.get('idempotency-key')))).toEqual(new Set(['session-1-capture']));
    const bodies = await Promise.all(attempts.map((r) => r.text()));
    expect(new Set(bodies)).toEqual(new Set(['{"modificationAmount":{"currency":"NOK","value":6049}}']));
  });

  it('backs off on 429 for as long as Retry-After asks', async () => {
    scriptedCapture([
      () => HttpResponse.json({ statusCode: 429, message: 'Rate limit is exceeded' }, { status: 429, headers: { 'retry-after': '2' } }),
      () => HttpResponse.json(modification(6049)),
    ]);
    await capture(client());
    expect(sleeps).toEqual([2000]);
  });

  it('retries the codes Vipps calls transient (6280) with the same key, whatever the status', async () => {
    const script = scriptedCapture([() => problemJson(400, 6280), () => HttpResponse.json(modification(6049))]);
    await capture(client());
    expect(script.calls()).toBe(2);
    expect(captureRequests().map((r) => r.headers.get('idempotency-key'))).toEqual(['session-1-capture', 'session-1-capture']);
  });

  it('treats a 4xx as final: one attempt, a typed error with the status and the numeric ErrorCode', async () => {
    const script = scriptedCapture([() => problemJson(400, 6090)]);
    const error = await capture(client()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VippsApiError);
    expect(error).toMatchObject({ status: 400, errorCode: 6090, operation: 'capture' });
    expect(script.calls()).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('gives up after the configured retries with an "unavailable" error that keeps the last status', async () => {
    const script = scriptedCapture([() => problemJson(503)]);
    const error = await capture(client([5, 5])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VippsUnavailableError);
    expect(error).toMatchObject({ lastStatus: 503 });
    expect(script.calls()).toBe(3);
    expect(sleeps).toEqual([5, 5]);
  });

  it('refuses an Idempotency-Key longer than Vipps allows before sending anything', async () => {
    const key = 'x'.repeat(51);
    await expect(capturePayment(client(), { reference: REFERENCE, idempotencyKey: key, amount: 1, currency: 'NOK' })).rejects.toThrow(
      /longer than 50/,
    );
    expect(captureRequests()).toHaveLength(0);
  });
});

describe('the access token', () => {
  it('is fetched once, shared by concurrent calls, and renewed shortly before it expires', async () => {
    scriptedCapture([() => HttpResponse.json(modification(1))]);
    const c = client();
    await Promise.all([capture(c), capture(c), capture(c)]);
    expect(tokensIssued).toBe(1);

    clock.advance(54 * 60_000); // 6 minutes before expiry: still good
    await capture(c);
    expect(tokensIssued).toBe(1);

    clock.advance(2 * 60_000); // inside the last 5 minutes: renewed
    await capture(c);
    expect(tokensIssued).toBe(2);
    expect(captureRequests().at(-1)!.headers.get('authorization')).toBe('Bearer token-2');
  });

  it('is fetched again once after a 401, and a second 401 is final', async () => {
    const script = scriptedCapture([() => problemJson(401), () => HttpResponse.json(modification(6049))]);
    await capture(client());
    expect(script.calls()).toBe(2);
    expect(tokensIssued).toBe(2);
    expect(sleeps).toEqual([]);

    server.resetHandlers();
    tokensIssued = 0;
    server.use(
      http.post(`${BASE}/accesstoken/get`, () => {
        tokensIssued++;
        return HttpResponse.json({ access_token: `token-${tokensIssued}`, expires_in: '3600' });
      }),
    );
    const always401 = scriptedCapture([() => problemJson(401)]);
    const error = await capture(client()).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'VippsApiError', status: 401 });
    expect(always401.calls()).toBe(2);
  });
});

describe('calls made through the SDK (GET payment, events, token)', () => {
  const payment = { ...modification(0), paymentMethod: { type: 'WALLET' }, profile: {} };

  it('retries a 5xx GET with our backoff (the SDK retry is off) and parses the payment', async () => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/epayment/v1/payments/:reference`, () => (++calls === 1 ? problemJson(502) : HttpResponse.json(payment))),
    );
    const snapshot = await getPayment(client(), REFERENCE);
    expect(snapshot).toMatchObject({ reference: REFERENCE, state: 'AUTHORIZED', authorized: 35_000 });
    expect(calls).toBe(2);
    expect(sleeps).toEqual([10]);
  });

  it('retries the gateway 429 and surfaces a 404 as a typed error', async () => {
    let calls = 0;
    server.use(
      http.get(`${BASE}/epayment/v1/payments/:reference`, () =>
        ++calls === 1 ? HttpResponse.json({ statusCode: 429, message: 'Rate limit is exceeded' }, { status: 429 }) : problemJson(404, 5090),
      ),
    );
    const error = await getPayment(client(), REFERENCE).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'VippsApiError', status: 404, errorCode: 5090 });
    expect(calls).toBe(2);
  });

  it('reads the event log through the SDK', async () => {
    server.use(
      http.get(`${BASE}/epayment/v1/payments/:reference/events`, () =>
        HttpResponse.json([
          { reference: REFERENCE, pspReference: 'p1', name: 'CREATED', amount: { currency: 'NOK', value: 35_000 }, timestamp: '2026-11-23T14:00:00Z', success: true },
          { reference: REFERENCE, pspReference: 'p2', name: 'CANCELLED', amount: { currency: 'NOK', value: 28_951 }, timestamp: '2026-11-23T14:30:00Z', idempotencyKey: null, success: true },
        ]),
      ),
    );
    const events = await getPaymentEvents(client(), REFERENCE);
    expect(events.map((e) => [e.name, e.amount])).toEqual([
      ['CREATED', 35_000],
      ['CANCELLED', 28_951],
    ]);
  });

  it('sends Vipps-System-Name and -Version on every call, our own and the SDK’s, token included', async () => {
    scriptedCapture([() => HttpResponse.json(modification(1))]);
    server.use(http.get(`${BASE}/epayment/v1/payments/:reference`, () => HttpResponse.json(payment)));
    const c = client();
    await capture(c);
    await getPayment(c, REFERENCE);
    expect(seen.map((r) => new URL(r.url).pathname)).toEqual([
      '/accesstoken/get',
      `/epayment/v1/payments/${REFERENCE}/capture`,
      `/epayment/v1/payments/${REFERENCE}`,
    ]);
    for (const request of seen) {
      expect(request.headers.get('vipps-system-name')).toBe('ev-checkout');
      expect(request.headers.get('vipps-system-version')).toBe('0.1.0');
      expect(request.headers.get('ocp-apim-subscription-key')).toBe('subscription-key');
      expect(request.headers.get('merchant-serial-number')).toBe('123456');
    }
  });
});
