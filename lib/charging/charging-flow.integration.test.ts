import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chargers, sessionEvents, vippsWebhookEvents } from '@/lib/db/schema';
import { signWebhook } from '@/lib/payments/vipps/webhook-signature';
import { startHarness, type Harness } from '@/lib/testing/harness';
import { waitFor } from '@/lib/testing/wait';
import { getSessionByToken } from './queries';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function online(id: string) {
  await waitFor(async () => (await h.runtime.database.db.select().from(chargers).where(eq(chargers.id, id)))[0]?.online, `${id} online`);
}

async function pay(chargerId: string, amount: number) {
  const result = await h.runtime.charging.startCheckout({ checkoutId: randomUUID(), chargerId, connectorId: 1, amount });
  if (!result.ok) throw new Error(result.message);
  const landingToken = new URL(result.redirectUrl).searchParams.get('token')!;
  return { ...result, landingToken };
}

async function stateOf(token: string) {
  return (await h.runtime.charging.sessionView(token))!.state;
}

/** Settles, waiting in between for messages that arrive over the charger's socket. */
async function settleUntil(token: string, state: string) {
  await waitFor(async () => {
    await h.settle();
    return (await stateOf(token)) === state;
  }, `session ${state}`);
}

describe('a paid charging session, end to end through the emulator and a simulated charger', () => {
  it('reserves, starts, meters, stops, captures exactly the price, releases the rest and posts one receipt', async () => {
    const cp = await h.chargePoint('DEMO-1');
    await online('DEMO-1');

    const checkout = await pay('DEMO-1', 35_000); // 350.00 NOK
    expect(checkout.redirectUrl).toContain('/dev/vipps/wallet?token=');
    expect(await stateOf(checkout.token)).toBe('PAYMENT_PENDING');

    const approval = await h.runtime.emulator!.ledger.approve({ landingToken: checkout.landingToken });
    expect(approval.ok).toBe(true);
    await h.settle(); // webhook → sync → AUTHORIZED → RemoteStart
    await cp.settled(); // the simulator's StartTransaction
    await settleUntil(checkout.token, 'CHARGING');

    h.clock.advance(40 * 60_000);
    await cp.deliver(12_345, 18_500); // 12.345 kWh in 40 minutes
    await waitFor(async () => (await h.runtime.charging.sessionView(checkout.token))!.energyWh === 12_345, 'meter values');
    expect((await h.runtime.charging.sessionView(checkout.token))!.cost).toBe(6049); // 12.345 × 4.90 = 60.4905 → 60.49

    const stop = await h.runtime.charging.requestStop(checkout.token);
    expect(stop.ok).toBe(true);
    await settleUntil(checkout.token, 'COMPLETED');

    const view = (await h.runtime.charging.sessionView(checkout.token))!;
    expect(view).toMatchObject({ energyWh: 12_345, cost: 6049, capturedAmount: 6049, releasedAmount: 35_000 - 6049, receiptPosted: true });

    const session = (await getSessionByToken(h.runtime.database.db, checkout.token))!;
    const ledger = (await h.runtime.emulator!.ledger.getPayment(session.reference)).body as {
      state: string;
      aggregate: Record<string, { value: number }>;
    };
    expect(ledger.state).toBe('AUTHORIZED');
    expect(ledger.aggregate.authorizedAmount!.value).toBe(35_000);
    expect(ledger.aggregate.capturedAmount!.value).toBe(6049);
    expect(ledger.aggregate.cancelledAmount!.value).toBe(28_951);

    const receipt = await h.runtime.emulator!.orderManagement.receiptLedger(session.reference);
    expect(receipt?.postAttempts).toBe(1);
    const lines = (receipt!.receipt as { orderLines: Array<{ totalAmount: number; unitInfo: { quantity: string; quantityUnit: string } }> })
      .orderLines;
    expect(lines.reduce((sum, l) => sum + l.totalAmount, 0)).toBe(6049);
    expect(lines[0]!.unitInfo).toMatchObject({ quantity: '12.345', quantityUnit: 'KWH' });
  });

  it('refuses forged webhooks and applies a repeated one once', async () => {
    const cp = await h.chargePoint('DEMO-2');
    await online('DEMO-2');
    const checkout = await pay('DEMO-2', 20_000);
    const session = (await getSessionByToken(h.runtime.database.db, checkout.token))!;
    // Approve without letting the emulator deliver: we deliver by hand below.
    await h.runtime.emulator!.ledger.approve({ landingToken: checkout.landingToken });
    const body = JSON.stringify({
      msn: '123456',
      reference: session.reference,
      pspReference: 'psp-1',
      name: 'AUTHORIZED',
      amount: { currency: 'NOK', value: 20_000 },
      timestamp: h.clock.now().toISOString(),
      success: true,
    });
    const post = (headers: Record<string, string>, payload = body) =>
      fetch(h.runtime.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });
    const date = h.clock.now().toUTCString();

    expect((await post({})).status).toBe(401);
    expect((await post(signWebhook('not-the-secret', h.runtime.webhookUrl, body, date))).status).toBe(401);
    const signed = signWebhook(await secret(), h.runtime.webhookUrl, body, date);
    expect((await post(signed, body.replace('20000', '20001'))).status).toBe(401);
    expect((await post(signWebhook(await secret(), `${h.baseUrl}/another/path`, body, date))).status).toBe(401);
    expect(await webhookEventCount(session.reference)).toBe(0);

    const first = await post(signed);
    const second = await post(signed);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(((await second.json()) as { duplicate: boolean }).duplicate).toBe(true);
    expect(await webhookEventCount(session.reference)).toBe(1);

    await h.runtime.worker.drain();
    const applied = await h.runtime.database.db
      .select()
      .from(sessionEvents)
      .where(eq(sessionEvents.sessionId, session.id));
    expect(applied.filter((e) => e.type === 'PAYMENT_AUTHORIZED' && e.applied)).toHaveLength(1);
    expect(await stateOf(checkout.token)).not.toBe('PAYMENT_PENDING');
    await cp.settled();
  });
});

async function secret(): Promise<string> {
  const { vippsWebhookRegistrations } = await import('@/lib/db/schema');
  const [row] = await h.runtime.database.db.select().from(vippsWebhookRegistrations);
  return row!.secret;
}

async function webhookEventCount(reference: string): Promise<number> {
  const rows = await h.runtime.database.db.select().from(vippsWebhookEvents).where(eq(vippsWebhookEvents.reference, reference));
  return rows.length;
}
