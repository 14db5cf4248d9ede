import { afterAll, beforeAll, bench, describe } from 'vitest';
import { startHarness, type Harness } from '@/lib/testing/harness';
import type { ScriptedChargePoint } from '@/lib/testing/scripted-charge-point';
import { approveInApp, pay, scriptedChargePoint, settleUntil } from '@/lib/testing/session-driver';

// One whole paid session through the real backend (HTTP webhooks, OCPP over WebSocket, the Vipps emulator,
// the job queue, the database): pay, approve, start, meter, stop, capture, release, receipt.

let h: Harness;
let cp: ScriptedChargePoint;

beforeAll(async () => {
  h = await startHarness();
  cp = await scriptedChargePoint(h, 'DEMO-1');
});
afterAll(async () => {
  await cp?.close();
  await h?.close();
});

describe('session throughput', () => {
  bench(
    'one paid session from pay to receipt',
    async () => {
      const checkout = await pay(h, 'DEMO-1', 35_000);
      await approveInApp(h, checkout.landingToken);
      await h.settle();
      await cp.started();
      await settleUntil(h, checkout.token, 'CHARGING');
      h.clock.advance(30 * 60_000);
      await cp.meter(5_000, 10_000);
      await h.runtime.charging.requestStop(checkout.token);
      await settleUntil(h, checkout.token, 'COMPLETED');
      h.clock.advance(120_000); // past the connector's hold, for the next round
    },
    { iterations: 20, warmupIterations: 2, time: 0 },
  );
});
