import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs, sessionEvents, vippsWebhookEvents, vippsWebhookRegistrations } from '@/lib/db/schema';
import type { Logger } from '@/lib/logger';
import { startHarness, type Harness } from '@/lib/testing/harness';
import { breakWebhooks, deliver, heldDeliveries } from './testing/drive-session';
import { ledger, pay, view, waitUntilOnline } from '@/lib/testing/session-driver';
import { SessionJob } from '@/lib/charging/dispatch';
import { EPAYMENT_WEBHOOK_EVENTS } from './types';
import { contentHash, signWebhook } from './webhook-signature';
import { ensureWebhookRegistration } from './webhooks';

/**
 * Our webhook endpoint end to end: registration at start, signature checks
 * against the registered public URL, recording and de-duplication, and the
 * rule that an event only makes us re-read the payment, so duplicates and
 * any order of arrival end in the same state.
 */

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const db = () => h.runtime.database.db;
const remoteRegistrations = async () =>
  ((await h.runtime.emulator!.webhooks.list()).body as { webhooks: Array<{ id: string; url: string; events: string[] }> }).webhooks.filter(
    (w) => w.url === h.runtime.webhookUrl,
  );
const storedRegistrations = () => db().select().from(vippsWebhookRegistrations);
const currentSecret = async () => (await storedRegistrations())[0]!.secret;

function capturingLogger(lines: string[]): Logger {
  const log = (message: string, fields?: Record<string, unknown>) => lines.push(`${message} ${JSON.stringify(fields ?? {})}`);
  const logger: Logger = { debug: log, info: log, warn: log, error: log, child: () => logger };
  return logger;
}

describe('webhook registration', () => {
  it('exists for our public URL after start, with the events we need, and calling it again changes nothing', async () => {
    const [remote, ...others] = await remoteRegistrations();
    expect(others).toHaveLength(0);
    expect(remote!.events).toEqual(expect.arrayContaining([...EPAYMENT_WEBHOOK_EVENTS]));
    expect((await storedRegistrations()).map((r) => r.id)).toEqual([remote!.id]);

    const again = await ensureWebhookRegistration({ client: h.runtime.vipps, db: db(), url: h.runtime.webhookUrl, logger: capturingLogger([]) });
    expect(again).toEqual({ id: remote!.id, created: false, removed: [] });
    expect((await remoteRegistrations()).map((w) => w.id)).toEqual([remote!.id]);
  });

  it('replaces a registration whose secret we lost (new one first, then the old deleted) and never logs the secret', async () => {
    const [old] = await remoteRegistrations();
    await db().delete(vippsWebhookRegistrations);
    const lines: string[] = [];
    const result = await ensureWebhookRegistration({ client: h.runtime.vipps, db: db(), url: h.runtime.webhookUrl, logger: capturingLogger(lines) });
    expect(result).toMatchObject({ created: true, removed: [old!.id] });
    expect((await remoteRegistrations()).map((w) => w.id)).toEqual([result.id]);
    const [stored] = await storedRegistrations();
    expect(stored).toMatchObject({ id: result.id, url: h.runtime.webhookUrl });
    expect(stored!.secret.length).toBeGreaterThan(20);
    expect(lines.join('\n')).not.toContain(stored!.secret);
  });

  it('registers again when the registration lacks an event we now need, and keeps only one', async () => {
    const [before] = await remoteRegistrations();
    const wanted = [...EPAYMENT_WEBHOOK_EVENTS, 'epayments.payment.created.v1'];
    const result = await ensureWebhookRegistration({ client: h.runtime.vipps, db: db(), url: h.runtime.webhookUrl, logger: capturingLogger([]), events: wanted });
    expect(result).toMatchObject({ created: true, removed: [before!.id] });
    expect(await remoteRegistrations()).toEqual([{ id: result.id, url: h.runtime.webhookUrl, events: wanted }]);
    expect((await storedRegistrations()).map((r) => r.id)).toEqual([result.id]);

    // Back to the product's own set for the tests below (a superset would be kept as usable).
    await db().delete(vippsWebhookRegistrations);
    const restored = await ensureWebhookRegistration({ client: h.runtime.vipps, db: db(), url: h.runtime.webhookUrl, logger: capturingLogger([]) });
    expect(await remoteRegistrations()).toEqual([{ id: restored.id, url: h.runtime.webhookUrl, events: [...EPAYMENT_WEBHOOK_EVENTS] }]);
  });
});

describe('deliveries', () => {
  const eventBody = (reference: string, name = 'AUTHORIZED', pspReference = 'psp-forged') =>
    JSON.stringify({
      msn: h.runtime.config.vipps.merchantSerialNumber,
      reference,
      pspReference,
      name,
      amount: { currency: 'NOK', value: 20_000 },
      timestamp: h.clock.now().toISOString(),
      success: true,
    });
  const post = (headers: Record<string, string>, body: string) =>
    fetch(h.runtime.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const recorded = async (reference: string) =>
    (await db().select().from(vippsWebhookEvents).where(eq(vippsWebhookEvents.reference, reference))).length;

  it('refuses forged, altered, wrong-path and unsigned deliveries with 401 and records none of them', async () => {
    const reference = 'ev-nobody-0001';
    const body = eventBody(reference);
    const date = h.clock.now().toUTCString();
    const secret = await currentSecret();
    const signed = signWebhook(secret, h.runtime.webhookUrl, body, date);
    const publicUrl = new URL(h.runtime.webhookUrl);
    const without = (name: keyof typeof signed) => Object.fromEntries(Object.entries(signed).filter(([k]) => k !== name));

    const attempts: Array<[string, Record<string, string>, string]> = [
      ['signed with another secret', signWebhook('not-the-secret', h.runtime.webhookUrl, body, date), body],
      ['body altered after signing', signed, body.replace('20000', '20001')],
      ['body and content hash swapped together', { ...signed, 'x-ms-content-sha256': contentHash(eventBody(reference, 'CAPTURED')) }, eventBody(reference, 'CAPTURED')],
      ['signed for another path', signWebhook(secret, `${publicUrl.origin}/api/vipps/other`, body, date), body],
      ['signed for another host', signWebhook(secret, `https://evil.example${publicUrl.pathname}`, body, date), body],
      ['without x-ms-date', without('x-ms-date'), body],
      ['without x-ms-content-sha256', without('x-ms-content-sha256'), body],
      ['without Authorization', without('authorization'), body],
      ['without any signature', {}, body],
    ];
    for (const [what, headers, payload] of attempts) {
      expect((await post(headers, payload)).status, what).toBe(401);
    }
    expect(await recorded(reference)).toBe(0);
    expect((await post(signed, body)).status).toBe(200);
    expect(await recorded(reference)).toBe(1);
  });

  it('checks the signature against the registered public URL, not the host a proxy hands the app', async () => {
    const body = eventBody('ev-nobody-0002');
    const signed = signWebhook(await currentSecret(), h.runtime.webhookUrl, body, h.clock.now().toUTCString());
    const behindProxy = new Headers({ ...signed, host: 'app-internal:8080', 'x-forwarded-host': 'charge.example.com' });
    const receipt = await h.runtime.receiveVippsWebhook({ rawBody: body, headers: behindProxy });
    expect(receipt.status).toBe(200);
  });

  it('acknowledges a signed event it does not know (a non-2xx would hold back later events) without acting on it', async () => {
    const body = JSON.stringify({ msn: '123456', reference: 'ev-nobody-0003', pspReference: 'p-new', name: 'SOMETHING_NEW', success: true });
    const signed = signWebhook(await currentSecret(), h.runtime.webhookUrl, body, h.clock.now().toUTCString());
    expect((await post(signed, body)).status).toBe(200);
    expect(await recorded('ev-nobody-0003')).toBe(1);
  });

  it('answers at once and leaves the work to a job that re-reads the payment: a signed AUTHORIZED for an unapproved payment starts nothing', async () => {
    const cp = await h.chargePoint('DEMO-3');
    await waitUntilOnline(h, 'DEMO-3');
    const checkout = await pay(h, 'DEMO-3', 20_000);
    const body = eventBody(checkout.reference, 'AUTHORIZED', 'psp-claims-authorized');
    const answer = await post(signWebhook(await currentSecret(), h.runtime.webhookUrl, body, h.clock.now().toUTCString()), body);
    expect(answer.status).toBe(200);
    const queued = await db().select().from(jobs).where(eq(jobs.kind, SessionJob.syncPayment));
    expect(queued.some((j) => (j.payload as { reference?: string }).reference === checkout.reference)).toBe(true);

    await h.runtime.worker.drain();
    expect((await view(h, checkout.token)).state).toBe('PAYMENT_PENDING');
    const applied = await db().select().from(sessionEvents).where(eq(sessionEvents.sessionId, checkout.sessionId));
    expect(applied.some((e) => e.type === 'PAYMENT_AUTHORIZED' && e.applied)).toBe(false);
    await h.runtime.charging.requestStop(checkout.token);
    await h.settle();
    await cp.close();
  });

  /**
   * The driver gives up while the approval is in flight: our cancel (transaction only) is refused
   * because the payment was just approved, so the engine releases it. Vipps holds AUTHORIZED and
   * CANCELLED for us; they arrive in order, reversed, or twice.
   */
  async function abandonRace(chargerId: string, order: 'in-order' | 'reversed') {
    const cp = await h.chargePoint(chargerId);
    await waitUntilOnline(h, chargerId);
    const broken = await breakWebhooks(h);
    const checkout = await pay(h, chargerId, 20_000);
    expect((await h.runtime.emulator!.ledger.approve({ reference: checkout.reference })).ok).toBe(true);
    await h.runtime.charging.requestStop(checkout.token);
    await h.settle();
    const held = await heldDeliveries(h, checkout.reference);
    expect(held.map((b) => JSON.parse(b).name)).toEqual(['AUTHORIZED', 'CANCELLED']);

    await broken.restore();
    const sequence = order === 'reversed' ? [...held].reverse() : held;
    const answers = [];
    for (const body of [...sequence, ...sequence]) answers.push(await deliver(h, broken.secret, body));
    expect(answers.map((a) => [a.status, a.duplicate])).toEqual([
      [200, false],
      [200, false],
      [200, true],
      [200, true],
    ]);
    await h.settle(); // jobs, and the emulator's own (now duplicate) retries
    await cp.flushed();
    await cp.close();
    const view = (await h.runtime.charging.sessionView(checkout.token))!;
    const applied = await db().select().from(sessionEvents).where(eq(sessionEvents.sessionId, checkout.sessionId));
    return {
      state: view.state,
      capturedAmount: view.capturedAmount,
      releasedAmount: view.releasedAmount,
      chargerStarted: applied.some((e) => e.applied && (e.type === 'START_ACCEPTED' || e.type === 'TRANSACTION_STARTED')),
      ledger: await ledger(h, checkout.token),
      recorded: await recorded(checkout.reference),
    };
  }

  it('ends in the same state whether the events come in order, reversed or twice, and never starts the charger', async () => {
    const inOrder = await abandonRace('DEMO-1', 'in-order');
    const reversed = await abandonRace('DEMO-2', 'reversed');
    expect(inOrder).toEqual(reversed);
    expect(inOrder).toMatchObject({
      state: 'CANCELLED',
      capturedAmount: 0,
      chargerStarted: false,
      ledger: { state: 'AUTHORIZED', authorized: 20_000, captured: 0, cancelled: 20_000 },
      recorded: 2,
    });
  });
});
