import { createHmac } from 'node:crypto';
import { http, HttpResponse, type HttpHandler } from 'msw';
import type { Clock } from '@/lib/clock';
import type { Ledger } from './ledger';
import type { createOrderManagement } from './order-management';
import { problem, type EmulatorResponse } from './problems';
import type { createQrRegistry } from './qr';
import type { createWebhookRegistry } from './webhooks';

/**
 * MSW request handlers that answer for api.vipps.no and apitest.vipps.no
 * inside our own process, so the SDK and our client keep their real hosts.
 */

export const VIPPS_HOSTS = ['https://apitest.vipps.no', 'https://api.vipps.no'];
const TOKEN_LIFETIME_SECONDS = 3600; // test environment: 1 hour
const TOKEN_KEY = 'vipps-emulator-token-key';
/** GET payment and GET events: 120 calls per minute per reference and subscription key. */
export const READS_PER_MINUTE = 120;

export interface EmulatorParts {
  clock: Clock;
  msn: string;
  ledger: Ledger;
  webhooks: ReturnType<typeof createWebhookRegistry>;
  orderManagement: ReturnType<typeof createOrderManagement>;
  qr: ReturnType<typeof createQrRegistry>;
}

function respond(result: EmulatorResponse): Response {
  if (result.status === 204 || result.body === undefined) {
    return new HttpResponse(null, { status: result.status, headers: result.headers });
  }
  return HttpResponse.json(result.body as never, {
    status: result.status,
    headers: { 'content-type': 'application/json', ...result.headers },
  });
}

function issueToken(clock: Clock): { token: string; expiresOn: number } {
  const expiresOn = Math.floor(clock.now().getTime() / 1000) + TOKEN_LIFETIME_SECONDS;
  const signature = createHmac('sha256', TOKEN_KEY).update(String(expiresOn)).digest('base64url');
  return { token: `emu.${expiresOn}.${signature}`, expiresOn };
}

function tokenIsValid(token: string, clock: Clock): boolean {
  const [prefix, expiresOn, signature] = token.split('.');
  if (prefix !== 'emu' || !expiresOn || !signature) return false;
  const expected = createHmac('sha256', TOKEN_KEY).update(expiresOn).digest('base64url');
  return expected === signature && Number(expiresOn) * 1000 > clock.now().getTime();
}

async function jsonBody(request: Request): Promise<unknown> {
  const text = await request.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return Symbol.for('invalid-json');
  }
}

export function createEmulatorHandlers(parts: EmulatorParts): HttpHandler[] {
  const { clock, msn, ledger, webhooks, orderManagement, qr } = parts;

  /** Bearer token, subscription key and the MSN (our keys are merchant keys: every API wants it). */
  function unauthorized(request: Request): Response | undefined {
    const auth = request.headers.get('authorization') ?? '';
    const match = /^Bearer (.+)$/.exec(auth);
    if (!match || !tokenIsValid(match[1]!, clock)) {
      return respond(problem(401, 'Unauthorized: missing, malformed or expired access token'));
    }
    if (!request.headers.get('ocp-apim-subscription-key')) {
      return respond(problem(401, 'Access denied due to missing subscription key'));
    }
    if (request.headers.get('merchant-serial-number') !== msn) {
      return respond(problem(403, 'The Merchant-Serial-Number does not belong to these keys'));
    }
    return undefined;
  }

  const withBody =
    (handle: (args: { request: Request; params: Record<string, string>; body: unknown }) => Promise<EmulatorResponse>) =>
    async ({ request, params }: { request: Request; params: Record<string, string | readonly string[] | undefined> }) => {
      const denied = unauthorized(request);
      if (denied) return denied;
      const body = await jsonBody(request);
      if (body === Symbol.for('invalid-json')) return respond(problem(400, 'The request body is not valid JSON'));
      return respond(await handle({ request, params: params as Record<string, string>, body }));
    };

  const idempotencyKey = (request: Request) => request.headers.get('idempotency-key');

  const reads = new Map<string, number[]>();
  /** The read limit lives in the gateway, not the ledger: the dev endpoints read the ledger freely. */
  function readLimited(request: Request, reference: string): EmulatorResponse | undefined {
    const now = clock.now().getTime();
    const key = `${request.headers.get('ocp-apim-subscription-key')}:${reference}`;
    const recent = (reads.get(key) ?? []).filter((at) => at > now - 60_000);
    if (reads.size > 10_000) reads.clear();
    if (recent.length >= READS_PER_MINUTE) {
      reads.set(key, recent);
      return { ...problem(429, 'Too many requests for this reference'), headers: { 'content-type': 'application/problem+json', 'retry-after': '60' } };
    }
    reads.set(key, [...recent, now]);
    return undefined;
  }

  return VIPPS_HOSTS.flatMap((host) => [
    http.post(`${host}/accesstoken/get`, ({ request }) => {
      const h = request.headers;
      if (!h.get('client_id') || !h.get('client_secret') || !h.get('ocp-apim-subscription-key')) {
        return HttpResponse.json(
          { error: 'invalid_client', error_description: 'client_id, client_secret and Ocp-Apim-Subscription-Key are required' },
          { status: 400 },
        );
      }
      const { token, expiresOn } = issueToken(clock);
      const now = Math.floor(clock.now().getTime() / 1000);
      // All values are strings in the real response.
      return HttpResponse.json({
        token_type: 'Bearer',
        expires_in: String(TOKEN_LIFETIME_SECONDS),
        ext_expires_in: '0',
        expires_on: String(expiresOn),
        not_before: String(now),
        resource: '00000002-0000-0000-c000-000000000000',
        access_token: token,
      });
    }),

    http.post(
      `${host}/epayment/v1/payments`,
      withBody(({ request, body }) => ledger.createPayment(idempotencyKey(request), body)),
    ),
    http.get(
      `${host}/epayment/v1/payments/:reference`,
      withBody(async ({ request, params }) => readLimited(request, params.reference!) ?? ledger.getPayment(params.reference!)),
    ),
    http.get(
      `${host}/epayment/v1/payments/:reference/events`,
      withBody(async ({ request, params }) => readLimited(request, params.reference!) ?? ledger.getEvents(params.reference!)),
    ),
    http.post(
      `${host}/epayment/v1/payments/:reference/capture`,
      withBody(({ request, params, body }) => ledger.capture(params.reference!, idempotencyKey(request), body)),
    ),
    http.post(
      `${host}/epayment/v1/payments/:reference/cancel`,
      withBody(({ request, params, body }) => ledger.cancel(params.reference!, idempotencyKey(request), body)),
    ),
    http.post(
      `${host}/epayment/v1/payments/:reference/refund`,
      withBody(({ request, params, body }) => ledger.refund(params.reference!, idempotencyKey(request), body)),
    ),
    // Test-only force approve: refused on the production host, as in reality.
    http.post(
      `${host}/epayment/v1/test/payments/:reference/approve`,
      withBody(async ({ params, body }) => {
        if (host === 'https://api.vipps.no') return problem(404, 'Force approve is only available in the test environment');
        return ledger.forceApprove(params.reference!, body);
      }),
    ),

    http.post(`${host}/webhooks/v1/webhooks`, withBody(({ body }) => webhooks.register(body))),
    http.get(`${host}/webhooks/v1/webhooks`, withBody(() => webhooks.list())),
    http.delete(`${host}/webhooks/v1/webhooks/:id`, withBody(({ params }) => webhooks.remove(params.id!))),

    http.post(
      `${host}/order-management/v2/:paymentType/receipts/:orderId`,
      withBody(({ params, body }) => orderManagement.postReceipt(params.paymentType!, params.orderId!, body)),
    ),
    http.get(
      `${host}/order-management/v2/:paymentType/:orderId`,
      withBody(({ params }) => orderManagement.getOrder(params.paymentType!, params.orderId!)),
    ),

    http.post(
      `${host}/qr/v1/merchant-redirect`,
      withBody(({ request, body }) => qr.create(body, request.headers.get('accept'), request.headers.get('size'))),
    ),
    http.get(`${host}/qr/v1/merchant-redirect`, withBody(({ request }) => qr.list(request.headers.get('accept')))),
    http.get(
      `${host}/qr/v1/merchant-redirect/:id`,
      withBody(({ request, params }) => qr.get(params.id!, request.headers.get('accept'), request.headers.get('size'))),
    ),
    http.put(
      `${host}/qr/v1/merchant-redirect/:id`,
      withBody(({ request, params, body }) => qr.update(params.id!, body, request.headers.get('accept'))),
    ),
    http.delete(`${host}/qr/v1/merchant-redirect/:id`, withBody(({ params }) => qr.remove(params.id!))),
  ]);
}
