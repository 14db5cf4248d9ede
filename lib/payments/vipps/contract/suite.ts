import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cancelPayment,
  capturePayment,
  createReservation,
  forceApprove,
  getPayment,
  getPaymentEvents,
  refundPayment,
  type Currency,
} from '../epayment';
import { VippsApiError, VippsUnavailableError } from '../errors';
import { deleteChargerQr, ensureChargerQr, getChargerQr, listQrs } from '../qr';
import { postReceipt, type Receipt } from '../receipts';
import { webhookListSchema, webhookRegisteredSchema } from '../types';
import { verifyWebhookSignature } from '../webhook-signature';
import { eventually, newReference, type ContractTarget } from './target';

/**
 * The Vipps MobilePay contract this product relies on, as one suite body
 * run against a target: the emulator, and (with VIPPS_TEST_* set) the real
 * test environment. Each payment sees at most five modifying calls, the
 * documented per-reference limit, except in the test of that limit.
 */

const RETURN_URL = 'https://ev-checkout.example.com/s/contract';
const PUBLIC_BASE = 'https://ev-checkout.example.com';
const TEN_MINUTES = 10 * 60_000;

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** A final answer from Vipps: the status, and the ErrorCode when the contract names one. */
async function expectRefused(promise: Promise<unknown>, status: number, errorCode?: number) {
  const error = await failure(promise);
  expect(error, String(error)).toBeInstanceOf(VippsApiError);
  expect((error as VippsApiError).status).toBe(status);
  if (errorCode !== undefined) expect((error as VippsApiError).errorCode).toBe(errorCode);
}

export function defineContractSuite(title: string, makeTarget: () => Promise<ContractTarget>, options: { timeoutMs?: number } = {}) {
  describe(title, { timeout: options.timeoutMs }, () => {
    let t: ContractTarget;
    beforeAll(async () => {
      t = await makeTarget();
    }, 60_000);
    afterAll(async () => {
      await t?.close();
    });

    const create = (reference: string, amount: number, overrides: Partial<Parameters<typeof createReservation>[1]> = {}) =>
      createReservation(t.client, {
        reference,
        idempotencyKey: `${reference}-create`.slice(-50),
        amount,
        currency: t.currency,
        description: 'Charging at CT-1, contract test',
        returnUrl: RETURN_URL,
        ...overrides,
      });

    async function createAuthorized(tag: string, amount: number): Promise<string> {
      const reference = newReference(tag);
      const { redirectUrl } = await create(reference, amount);
      const token = new URL(redirectUrl).searchParams.get('token') ?? undefined;
      await forceApprove(t.client, reference, token ? { token } : {});
      await eventually(async () => expect((await getPayment(t.client, reference)).state).toBe('AUTHORIZED'));
      return reference;
    }

    const capture = (reference: string, amount: number, key = `${reference}-c`) =>
      capturePayment(t.client, { reference, idempotencyKey: key.slice(-50), amount, currency: t.currency });
    const cancel = (reference: string, transactionOnly: boolean, key = `${reference}-x`) =>
      cancelPayment(t.client, { reference, idempotencyKey: key.slice(-50), transactionOnly });
    const refund = (reference: string, amount: number, key = `${reference}-r`) =>
      refundPayment(t.client, { reference, idempotencyKey: key.slice(-50), amount, currency: t.currency });

    describe('access token', () => {
      it('is issued for the keys, and a call without a valid Bearer token is refused with 401', async () => {
        expect((await t.client.accessToken()).length).toBeGreaterThan(10);
        const { baseUrl, subscriptionKey, merchantSerialNumber } = t.client.credentials;
        const url = `${baseUrl}/epayment/v1/payments/${newReference('auth')}`;
        const headers = { 'Ocp-Apim-Subscription-Key': subscriptionKey, 'Merchant-Serial-Number': merchantSerialNumber };
        const forged = await fetch(url, { headers: { ...headers, Authorization: 'Bearer not-a-token' } });
        expect(forged.status).toBe(401);
        // The word "Bearer" is mandatory.
        const bare = await fetch(url, { headers: { ...headers, Authorization: await t.client.accessToken() } });
        expect(bare.status).toBe(401);
      });
    });

    describe('create payment', () => {
      it('creates a reservation: a redirectUrl, state CREATED, nothing authorised yet', async () => {
        const reference = newReference('create');
        const { redirectUrl } = await create(reference, 35_000); // 350.00
        expect(() => new URL(redirectUrl)).not.toThrow();
        expect(await getPayment(t.client, reference)).toEqual({
          reference,
          state: 'CREATED',
          currency: t.currency,
          amount: 35_000,
          authorized: 0,
          captured: 0,
          cancelled: 0,
          refunded: 0,
        });
      });

      it('replays the same key and body with the same answer, and refuses another body under that key (409)', async () => {
        const reference = newReference('idem');
        const first = await create(reference, 35_000);
        expect(await create(reference, 35_000)).toEqual(first);
        await expectRefused(create(reference, 36_000), 409);
      });

      it('refuses a reference that already exists under a new key (409, 4150)', async () => {
        const reference = newReference('dup');
        await create(reference, 35_000);
        await expectRefused(create(reference, 35_000, { idempotencyKey: `${reference}-again`.slice(-50) }), 409, 4150);
      });

      it.each([
        ['a reference outside [A-Za-z0-9-]{8,50}', { reference: 'bad ref!' }, undefined],
        ['a reference shorter than 8', { reference: 'ct-1234' }, undefined],
        ['a description shorter than 3 characters', { description: 'ab' }, undefined],
        ['a description longer than 100 characters', { description: 'x'.repeat(101) }, undefined],
        ['an amount under the minimum (NOK 1.00)', { amount: 99 }, 6010],
        ['an amount with decimals', { amount: 100.5 }, 4040],
        ['an http returnUrl that is not localhost', { returnUrl: 'http://ev-checkout.example.com/s/x' }, undefined],
      ] as const)('refuses %s with 400', async (_what, overrides, errorCode) => {
        const reference = 'reference' in overrides ? overrides.reference : newReference('invalid');
        await expectRefused(
          create(newReference('unused'), 35_000, { ...overrides, reference, idempotencyKey: newReference('key') }),
          400,
          errorCode,
        );
      });

      it('refuses a currency the sales unit does not take (5040)', async () => {
        await expectRefused(create(newReference('eur'), 35_000, { currency: t.foreignCurrency as Currency }), 400, 5040);
      });

      it('accepts an http returnUrl on localhost (the documented allowance)', async () => {
        await expect(create(newReference('local'), 35_000, { returnUrl: 'http://localhost:3000/s/x' })).resolves.toHaveProperty(
          'redirectUrl',
        );
      });
    });

    describe('capture and cancel', () => {
      it('captures part, and a plain cancel releases the whole rest once; state stays AUTHORIZED; the event log agrees', async () => {
        const reference = await createAuthorized('settle', 35_000);
        expect(await getPayment(t.client, reference)).toMatchObject({ state: 'AUTHORIZED', authorized: 35_000 });

        expect(await capture(reference, 6049)).toMatchObject({ state: 'AUTHORIZED', captured: 6049, cancelled: 0 });
        expect(await cancel(reference, false)).toMatchObject({ state: 'AUTHORIZED', captured: 6049, cancelled: 28_951 });
        expect(await getPayment(t.client, reference)).toMatchObject({ authorized: 35_000, captured: 6049, cancelled: 28_951, refunded: 0 });

        const events = await eventually(async () => {
          const log = await getPaymentEvents(t.client, reference);
          expect(log.map((e) => e.name)).toEqual(['CREATED', 'AUTHORIZED', 'CAPTURED', 'CANCELLED']);
          return log;
        });
        expect(events.map((e) => e.amount)).toEqual([35_000, 35_000, 6049, 28_951]);
        expect(events.every((e) => e.success)).toBe(true);
        expect(new Set(events.map((e) => e.pspReference)).size).toBe(4);
      });

      it('never captures past the authorisation (6090), replays a retried capture, and refuses another body under its key (4010)', async () => {
        const reference = await createAuthorized('over', 10_000);
        const first = await capture(reference, 1000, `${reference}-c1`);
        expect(await capture(reference, 1000, `${reference}-c1`)).toEqual(first);
        expect((await getPayment(t.client, reference)).captured).toBe(1000);
        await expectRefused(capture(reference, 2000, `${reference}-c1`), 409, 4010);
        await expectRefused(capture(reference, 9001, `${reference}-c2`), 400, 6090);
        expect((await getPayment(t.client, reference)).captured).toBe(1000);
      });

      it('refuses to capture before authorisation (6080); cancelTransactionOnly then ends the payment (TERMINATED)', async () => {
        const reference = newReference('early');
        await create(reference, 35_000);
        await expectRefused(capture(reference, 1000), 400, 6080);
        expect(await cancel(reference, true)).toMatchObject({ state: 'TERMINATED', authorized: 0 });
        await eventually(async () =>
          expect((await getPaymentEvents(t.client, reference)).map((e) => e.name)).toEqual(['CREATED', 'TERMINATED']),
        );
      });

      it('a plain cancel of an unapproved payment terminates it too', async () => {
        const reference = newReference('term');
        await create(reference, 35_000);
        expect(await cancel(reference, false)).toMatchObject({ state: 'TERMINATED' });
      });

      it('cancelTransactionOnly refuses an authorised payment (6060) and leaves the reservation whole', async () => {
        const reference = await createAuthorized('keep', 35_000);
        await expectRefused(cancel(reference, true), 400, 6060);
        expect(await getPayment(t.client, reference)).toMatchObject({ state: 'AUTHORIZED', authorized: 35_000, cancelled: 0 });
        expect(await cancel(reference, false, `${reference}-x2`)).toMatchObject({ cancelled: 35_000 });
      });

      it('cannot cancel a fully captured payment (6040)', async () => {
        const reference = await createAuthorized('full', 10_000);
        await capture(reference, 10_000);
        await expectRefused(cancel(reference, false), 400, 6040);
      });
    });

    describe('refund', () => {
      it('refunds part of what was captured, never more (6150), and refuses another body under its key', async () => {
        const reference = await createAuthorized('refund', 10_000);
        await capture(reference, 10_000);
        expect(await refund(reference, 4000, `${reference}-r1`)).toMatchObject({ captured: 10_000, refunded: 4000 });
        await expectRefused(refund(reference, 6001, `${reference}-r2`), 400, 6150);
        await expectRefused(refund(reference, 3000, `${reference}-r1`), 409);
        expect((await getPayment(t.client, reference)).refunded).toBe(4000);
      });

      it('fails the test environment’s failing refund amount (123) without refunding', async () => {
        const reference = await createAuthorized('refund-fail', 10_000);
        await capture(reference, 10_000);
        await expectRefused(refund(reference, 123), 400);
        expect((await getPayment(t.client, reference)).refunded).toBe(0);
      });
    });

    describe('limits', () => {
      it('refuses a sixth modifying call for one reference within a minute (429), without moving money', async () => {
        const reference = await createAuthorized('limit', 10_000); // create: call 1
        for (let i = 1; i <= 4; i++) await capture(reference, 100, `${reference}-c${i}`); // calls 2–5
        const error = await failure(capture(reference, 100, `${reference}-c5`));
        expect(error).toBeInstanceOf(VippsUnavailableError);
        expect((error as VippsUnavailableError).lastStatus).toBe(429);
        expect((await getPayment(t.client, reference)).captured).toBe(400);
        if (t.advanceClock) {
          t.advanceClock(61_000);
          expect((await capture(reference, 100, `${reference}-c5`)).captured).toBe(500);
        }
      });
    });

    describe('expiry and the user’s decision', () => {
      it('expires an unapproved payment after 10 minutes; it can then be neither approved nor captured', async (ctx) => {
        if (!t.advanceClock) return ctx.skip('needs a clock the test can move (emulator only)');
        const reference = newReference('expire');
        const { redirectUrl } = await create(reference, 35_000);
        t.advanceClock(TEN_MINUTES - 1000);
        expect((await getPayment(t.client, reference)).state).toBe('CREATED');
        t.advanceClock(1000);
        expect((await getPayment(t.client, reference)).state).toBe('EXPIRED');
        const token = new URL(redirectUrl).searchParams.get('token') ?? undefined;
        await expectRefused(forceApprove(t.client, reference, { token }), 400);
        await expectRefused(capture(reference, 1000), 400, 6080);
        expect((await getPaymentEvents(t.client, reference)).map((e) => e.name)).toEqual(['CREATED', 'EXPIRED']);
      });

      it('refuses approval for the failing test amounts; the user can then reject (ABORTED)', async (ctx) => {
        if (!t.userDecides) return ctx.skip('needs a person approving in the MT app');
        for (const amount of [151, 182]) {
          const reference = newReference(`fail${amount}`);
          await create(reference, amount);
          expect((await t.userDecides(reference, 'approve')).ok).toBe(false);
          expect((await getPayment(t.client, reference)).state).toBe('CREATED');
          expect((await t.userDecides(reference, 'reject')).ok).toBe(true);
          expect((await getPayment(t.client, reference)).state).toBe('ABORTED');
        }
      });
    });

    describe('webhooks API', () => {
      it('registers (secret returned once), lists without secrets, deletes; refuses a non-https URL', async () => {
        const url = `https://ev-checkout.example.com/contract/${newReference('hook')}`;
        const registered = webhookRegisteredSchema.parse(
          await t.client.sdkCall('register', (sdk, token) => sdk.webhook.register(token, { url, events: ['epayments.payment.authorized.v1'] })),
        );
        try {
          const listed = webhookListSchema.parse(await t.client.sdkCall('list', (sdk, token) => sdk.webhook.list(token)));
          const mine = listed.webhooks.find((w) => w.id === registered.id);
          expect(mine).toMatchObject({ url, events: ['epayments.payment.authorized.v1'] });
          expect(JSON.stringify(listed)).not.toContain(registered.secret);
        } finally {
          await t.client.sdkCall('delete', (sdk, token) => sdk.webhook.delete(token, registered.id));
        }
        const after = webhookListSchema.parse(await t.client.sdkCall('list', (sdk, token) => sdk.webhook.list(token)));
        expect(after.webhooks.some((w) => w.id === registered.id)).toBe(false);
        await expectRefused(
          t.client.sdkCall('register', (sdk, token) =>
            sdk.webhook.register(token, { url: 'http://ev-checkout.example.com/hook', events: ['epayments.payment.authorized.v1'] }),
          ),
          400,
        );
      });

      it('delivers signed events, retries a failed one, and holds back that payment’s later events until it gets through', async (ctx) => {
        if (!t.deliverWebhooks || !t.advanceClock) return ctx.skip('needs a webhook receiver Vipps can reach (emulator only)');
        const receiver = await startReceiver();
        const url = `${receiver.baseUrl}/hook`;
        const { id, secret } = webhookRegisteredSchema.parse(
          await t.client.sdkCall('register', (sdk, token) =>
            sdk.webhook.register(token, {
              url,
              events: [
                'epayments.payment.authorized.v1',
                'epayments.payment.captured.v1',
                'epayments.payment.cancelled.v1',
                'epayments.payment.refunded.v1',
              ],
            }),
          ),
        );
        try {
          const slow = await createAuthorized('hook-a', 10_000);
          receiver.failNext = 1; // the AUTHORIZED delivery for `slow` fails once
          await t.deliverWebhooks();
          await capture(slow, 4000);
          await cancel(slow, false);
          await refund(slow, 1000);
          const other = await createAuthorized('hook-b', 10_000);
          await t.deliverWebhooks();
          // Only the other payment's event got through; `slow` waits behind its failed AUTHORIZED.
          expect(receiver.received.map((r) => [r.event.reference, r.event.name])).toEqual([[other, 'AUTHORIZED']]);

          t.advanceClock(2_000);
          await t.deliverWebhooks();
          const forSlow = receiver.received.filter((r) => r.event.reference === slow);
          expect(forSlow.map((r) => [r.event.name, r.event.amount])).toEqual([
            ['AUTHORIZED', { currency: t.currency, value: 10_000 }],
            ['CAPTURED', { currency: t.currency, value: 4000 }],
            ['CANCELLED', { currency: t.currency, value: 6000 }],
            ['REFUNDED', { currency: t.currency, value: 1000 }],
          ]);
          for (const r of receiver.received) {
            const headers = new Headers(r.headers);
            expect(verifyWebhookSignature({ secret, registeredUrl: url, rawBody: r.rawBody, headers }).ok).toBe(true);
            expect(r.event).toMatchObject({ msn: t.client.credentials.merchantSerialNumber, success: true });
            expect(typeof r.event.pspReference).toBe('string');
          }
          expect(receiver.attempts).toBe(receiver.received.length + 1);
        } finally {
          await t.client.sdkCall('delete', (sdk, token) => sdk.webhook.delete(token, id));
          await receiver.close();
        }
      });
    });

    describe('QR merchant redirect', () => {
      it('creates one code per charger, moves it with PUT, serves SVG, PNG and the target, lists and deletes it', async () => {
        const chargerId = newReference('qr');
        try {
          const created = await ensureChargerQr(t.client, { chargerId, publicBaseUrl: PUBLIC_BASE, format: 'png', size: 400 });
          expect(created).toMatchObject({ change: 'created', id: chargerId, redirectUrl: `${PUBLIC_BASE}/c/${chargerId}`, expiresIn: -1 });
          expect((await ensureChargerQr(t.client, { chargerId, publicBaseUrl: PUBLIC_BASE })).change).toBe('unchanged');

          const png = await t.fetchQrImage(created.url);
          expect(png.contentType).toContain('image/png');
          expect(png.bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
          expect(png.bytes.readUInt32BE(16)).toBe(400); // IHDR width: the Size asked for
          const svg = await getChargerQr(t.client, chargerId, 'svg');
          const svgImage = await t.fetchQrImage(svg!.url);
          expect(svgImage.contentType).toContain('image/svg+xml');
          expect(svgImage.bytes.toString('utf8')).toContain('<svg');
          const target = await getChargerQr(t.client, chargerId, 'text');
          expect(() => new URL(target!.url)).not.toThrow();

          const moved = await ensureChargerQr(t.client, { chargerId, publicBaseUrl: 'https://charge.example.org' });
          expect(moved).toMatchObject({ change: 'updated', redirectUrl: `https://charge.example.org/c/${chargerId}` });
          const target2 = await getChargerQr(t.client, chargerId, 'text');
          expect(target2!.url).toBe(target!.url); // the printed code stays the same

          expect((await listQrs(t.client)).some((q) => q.id === chargerId)).toBe(true);
        } finally {
          await deleteChargerQr(t.client, chargerId);
        }
        expect(await getChargerQr(t.client, chargerId)).toBeUndefined();
        expect(await deleteChargerQr(t.client, chargerId)).toBe('not-found');
      });

      it('refuses a second code with the same id (409), a non-https redirectUrl, a bad Size and an unknown Accept', async () => {
        const id = newReference('qr-bad');
        const post = (body: unknown, headers: { accept?: string; size?: string } = {}) =>
          t.client.request({
            operation: 'create QR',
            method: 'POST',
            path: '/qr/v1/merchant-redirect',
            body,
            accept: headers.accept ?? 'image/svg+xml',
            extraHeaders: headers.size ? { Size: headers.size } : undefined,
          });
        try {
          await post({ id, redirectUrl: `${PUBLIC_BASE}/c/1` });
          await expectRefused(post({ id, redirectUrl: `${PUBLIC_BASE}/c/1` }), 409);
        } finally {
          await deleteChargerQr(t.client, id);
        }
        await expectRefused(post({ id: newReference('qr-http'), redirectUrl: 'http://ev-checkout.example.com/c/1' }), 400);
        await expectRefused(post({ id: newReference('qr-chars'), redirectUrl: `${PUBLIC_BASE}/c/(1)` }), 400);
        await expectRefused(post({ id: newReference('qr-size'), redirectUrl: `${PUBLIC_BASE}/c/1` }, { accept: 'image/png', size: '50' }), 400);
        await expectRefused(post({ id: newReference('qr-accept'), redirectUrl: `${PUBLIC_BASE}/c/1` }, { accept: 'application/json' }), 415);
      });
    });

    describe('Order Management receipts', () => {
      const receipt: Receipt = {
        orderLines: [
          {
            name: 'Energy, CT-1',
            id: 'CT-1-energy',
            totalAmount: 6049,
            totalAmountExcludingTax: 4839,
            totalTaxAmount: 1210,
            taxRate: 2500,
            unitInfo: { unitPrice: 490, quantity: '12.345', quantityUnit: 'KWH' },
          },
        ],
        bottomLine: { currency: 'NOK', posId: 'CT-1', receiptNumber: 'contract' },
      };

      it('takes one receipt per order and answers a second with 409 (counted as done)', async () => {
        const reference = newReference('receipt');
        expect(await postReceipt(t.client, reference, receipt)).toBe('posted');
        expect(await postReceipt(t.client, reference, receipt)).toBe('already-posted');
        const order = await t.client.request({ operation: 'get order', method: 'GET', path: `/order-management/v2/ECOM/${reference}` });
        expect(order.body).toMatchObject({ receipt: { orderLines: [{ id: 'CT-1-energy', totalAmount: 6049 }] } });
      });

      it('refuses a line whose total minus the amount excluding tax is not its tax (400)', async () => {
        const bad = { ...receipt, orderLines: [{ ...receipt.orderLines[0]!, totalTaxAmount: 1209 }] };
        await expectRefused(
          t.client.request({
            operation: 'post receipt',
            method: 'POST',
            path: `/order-management/v2/ECOM/receipts/${newReference('bad-receipt')}`,
            body: bad,
          }),
          400,
        );
      });
    });
  });
}

interface ReceivedDelivery {
  rawBody: string;
  headers: Record<string, string>;
  event: { reference: string; name: string; amount: unknown; msn: string; pspReference: string; success: boolean };
}

/** A stand-in for our webhook endpoint: records deliveries, and fails the next `failNext` with a 500. */
async function startReceiver() {
  const server: Server = createServer();
  const state = {
    received: [] as ReceivedDelivery[],
    attempts: 0,
    failNext: 0,
    baseUrl: '',
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  server.on('request', async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    state.attempts++;
    if (state.failNext > 0) {
      state.failNext--;
      res.writeHead(500).end();
      return;
    }
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    state.received.push({ rawBody, headers, event: JSON.parse(rawBody) });
    res.writeHead(200).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.baseUrl = `http://localhost:${(server.address() as AddressInfo).port}`;
  return state;
}
