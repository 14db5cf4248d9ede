import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { createFakeClock } from '@/lib/clock';
import { ScriptedChargePoint } from '@/lib/testing/scripted-charge-point';
import { preparedDataDir, serverHome, type ServerProcess } from './server-process';

// A real server process is killed (SIGKILL, no clean-up) at each step of a paid session in turn and
// started again on the same data. Every session must still end settled, captured exactly once and with
// nothing of the reservation left open in the Vipps emulator's ledger.

const CRASH_POINTS = [
  'checkout.session-stored',
  'payment.create.key-stored',
  'payment.create.answered',
  'event.PAYMENT_AUTHORIZED.committed',
  'job.session.start-charger.handled',
  'event.TRANSACTION_STARTED.committed',
  'event.STOP_REQUESTED.committed',
  'job.session.stop-charger.handled',
  'ocpp.stop-transaction.stored',
  'ocpp.stop-transaction.acknowledged',
  'payment.capture.key-stored',
  'payment.capture.answered',
  'event.CAPTURED.committed',
  'payment.cancel.key-stored',
  'payment.cancel.answered',
  'job.session.post-receipt.handled',
];
/** Scenarios run side by side, each with its own server, port and data. */
const AT_ONCE = 8;

const RESERVED = 35_000; // 350.00 NOK
const DELIVERED_WH = 8_000; // 8 kWh in half an hour: a 16 kW charge
const PRICE = 3_920; // 8 kWh × 4.90 NOK = 39.20 NOK

interface PaymentLedger {
  state: string;
  aggregate: Record<'authorizedAmount' | 'capturedAmount' | 'cancelledAmount', { value: number }>;
}

test.describe.configure({ timeout: 240_000 });

let template: string;
test.beforeAll(async () => {
  template = await preparedDataDir();
});

for (let group = 0; group * AT_ONCE < CRASH_POINTS.length; group++) {
  const points = CRASH_POINTS.slice(group * AT_ONCE, (group + 1) * AT_ONCE);
  test(`a crash at ${points.join(', ')} loses no money`, async () => {
    const results = await Promise.allSettled(points.map((point, i) => crashScenario(point, 4300 + group * AT_ONCE + i)));
    const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [`${points[i]}: ${String(r.reason)}`] : []));
    expect(failures, failures.join('\n\n')).toEqual([]);
  });
}

async function crashScenario(point: string, port: number): Promise<void> {
  const home = await serverHome(port, template);
  let server: ServerProcess = await home.start({ TEST_CRASH_AT: point });
  // The charger's clock runs two hours behind: the test fast-forwards it to deliver energy plausibly.
  const clock = createFakeClock(new Date(Date.now() - 2 * 3600_000));
  const chargePoint = new ScriptedChargePoint({
    url: `ws://localhost:${home.port}/ocpp`,
    id: 'DEMO-1',
    password: 'demo-secret',
    clock,
    registerWh: 7_000_000,
    reconnect: true,
  });
  let crashes = 0;
  try {
    await chargePoint.connect();
    const base = home.baseUrl;
    const checkoutId = randomUUID();
    let token: string | undefined;
    let metered = false;
    let view: { state: string; reference: string } | undefined;
    const deadline = Date.now() + 150_000;

    while (view?.state !== 'COMPLETED') {
      if (Date.now() > deadline) throw new Error(`session stuck in ${view?.state}\n${server.output()}`);
      if (server.exited) {
        crashes++;
        server = await home.start();
        continue;
      }
      try {
        if (!token) {
          const response = await fetch(`${base}/api/chargers/DEMO-1/sessions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ amount: RESERVED, checkoutId }),
          });
          if (response.status === 201) token = ((await response.json()) as { token: string }).token;
        } else {
          view = (await (await fetch(`${base}/api/sessions/${token}`)).json()) as { state: string; reference: string };
          if (view.state === 'PAYMENT_PENDING') {
            await fetch(`${base}/api/dev/vipps/payments/${view.reference}/approve`, { method: 'POST' });
          } else if (view.state === 'CHARGING' && !metered) {
            metered = true;
            clock.advance(30 * 60_000);
            void chargePoint.meter(DELIVERED_WH, 16_000).catch(() => {});
          } else if (view.state === 'CHARGING') {
            await chargePoint.drained();
            clock.advance(60_000);
            await fetch(`${base}/api/sessions/${token}/stop`, { method: 'POST' });
          }
        }
      } catch {
        // The server died under this request; the loop starts it again.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    if (crashes < 1) throw new Error(`the crash point ${point} was never reached`);
    const ledger = (await (await fetch(`${base}/api/dev/vipps/payments/${view.reference}`)).json()) as PaymentLedger;
    expect(ledger.state).toBe('AUTHORIZED');
    expect(ledger.aggregate.authorizedAmount.value).toBe(RESERVED);
    // Exactly one capture of exactly the price: a second capture would show as 2 × 39.20 NOK.
    expect(ledger.aggregate.capturedAmount.value).toBe(PRICE);
    // Nothing of the reservation is left open.
    expect(ledger.aggregate.cancelledAmount.value).toBe(RESERVED - PRICE);
    expect((await fetch(`${base}/api/dev/vipps/receipts/${view.reference}`)).status).toBe(200);
  } finally {
    await chargePoint.close();
    await server.stop();
    await home.dispose();
  }
}
