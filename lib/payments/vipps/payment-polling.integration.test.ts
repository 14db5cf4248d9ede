import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentOperations } from '@/lib/db/schema';
import { startHarness, type Harness } from '@/lib/testing/harness';
import { breakWebhooks, chargeAndStop, heldDeliveries } from './testing/drive-session';
import { ledger, pay, view, waitUntilOnline } from '@/lib/testing/session-driver';

/**
 * Vipps asks for webhooks and polling both. Whichever tells us first, the
 * session must end the same way: the poll (first ~5 s after create) carries
 * a payment on its own when every webhook fails, and the webhooks that
 * arrive late afterwards change nothing.
 */

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const approve = async (reference: string) => expect((await h.runtime.emulator!.ledger.approve({ reference })).ok).toBe(true);

async function outcome(checkout: { token: string; reference: string; sessionId: string }) {
  const view = (await h.runtime.charging.sessionView(checkout.token))!;
  const receipt = await h.runtime.emulator!.orderManagement.receiptLedger(checkout.reference);
  const captures = await h.runtime.database.db
    .select()
    .from(paymentOperations)
    .where(and(eq(paymentOperations.sessionId, checkout.sessionId), eq(paymentOperations.kind, 'capture')));
  return {
    state: view.state,
    energyWh: view.energyWh,
    cost: view.cost,
    capturedAmount: view.capturedAmount,
    releasedAmount: view.releasedAmount,
    receiptPosted: view.receiptPosted,
    ledger: await ledger(h, checkout.token),
    receiptPostAttempts: receipt?.postAttempts,
    captureCalls: captures.map((c) => c.attempts),
  };
}

describe('polling and webhooks agree', () => {
  it('ends a session the same way when the approval comes by webhook and when only polling sees it', async () => {
    const cp = await h.chargePoint('DEMO-1');
    await waitUntilOnline(h, 'DEMO-1');

    // Webhook first: the clock does not move, so no poll is due yet.
    const byWebhook = await pay(h, 'DEMO-1', 35_000); // 350.00
    await approve(byWebhook.reference);
    await h.settle();
    expect((await view(h, byWebhook.token)).state).not.toBe('PAYMENT_PENDING');
    await chargeAndStop(h, cp, byWebhook.token, 1500);

    // Poll only: our endpoint refuses every delivery.
    const broken = await breakWebhooks(h);
    const byPoll = await pay(h, 'DEMO-1', 35_000);
    await approve(byPoll.reference);
    await h.settle();
    expect((await view(h, byPoll.token)).state).toBe('PAYMENT_PENDING');
    expect((await heldDeliveries(h, byPoll.reference)).map((b) => JSON.parse(b).name)).toEqual(['AUTHORIZED']);
    await h.advance(5_000); // the first poll, ~5 s after create
    expect((await view(h, byPoll.token)).state).not.toBe('PAYMENT_PENDING');
    await chargeAndStop(h, cp, byPoll.token, 1500);

    const viaWebhook = await outcome(byWebhook);
    const viaPoll = await outcome(byPoll);
    expect(viaPoll).toEqual(viaWebhook);
    expect(viaWebhook).toMatchObject({
      state: 'COMPLETED',
      capturedAmount: 735, // 1.5 kWh × 4.90
      releasedAmount: 35_000 - 735,
      receiptPosted: true,
      ledger: { state: 'AUTHORIZED', authorized: 35_000, captured: 735, cancelled: 34_265, refunded: 0 },
      receiptPostAttempts: 1,
      captureCalls: [1],
    });

    // The endpoint comes back; Vipps' retries deliver the held events, late and in order. Nothing moves.
    await broken.restore();
    // Vipps' retry schedule spaces the attempts out (2 s, 60 s, 120 s, then hourly).
    for (let i = 0; i < 14 && (await heldDeliveries(h, byPoll.reference)).length > 0; i++) await h.advance(10 * 60_000);
    expect(await heldDeliveries(h, byPoll.reference)).toEqual([]);
    expect(await outcome(byPoll)).toEqual(viaPoll);
  });

  it('keeps an unapproved payment open for Vipps’ 10 minutes and ends the session once the poll sees it EXPIRED', async () => {
    const cp = await h.chargePoint('DEMO-2');
    await waitUntilOnline(h, 'DEMO-2');
    const checkout = await pay(h, 'DEMO-2', 20_000);
    for (let elapsed = 0; elapsed < 9 * 60_000; elapsed += 60_000) await h.advance(60_000);
    expect((await view(h, checkout.token)).state).toBe('PAYMENT_PENDING');
    expect((await ledger(h, checkout.token)).state).toBe('CREATED');

    await h.advance(60_000);
    await h.advance(60_000);
    expect((await ledger(h, checkout.token)).state).toBe('EXPIRED');
    expect((await view(h, checkout.token)).state).toBe('CANCELLED');
    // Too late: the wallet can no longer approve it.
    expect((await h.runtime.emulator!.ledger.approve({ reference: checkout.reference })).ok).toBe(false);
    await cp.close();
  });
});
