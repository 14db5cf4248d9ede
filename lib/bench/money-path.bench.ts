import { bench, describe } from 'vitest';
import { projectBudget } from '@/lib/charging/budget-guard';
import { settle } from '@/lib/charging/settlement';
import { signWebhook, verifyWebhookSignature } from '@/lib/payments/vipps/webhook-signature';
import { parseTariff } from '@/lib/pricing/tariff';

// The pure work on the money path, per call: pricing a finished session, the budget guard (run on every
// meter reading of every charging session), and checking a webhook signature.

const tariff = parseTariff({
  currency: 'NOK',
  vatRateBp: 2500,
  energyTiers: [
    { fromWh: 0, pricePerKwh: 390 },
    { fromWh: 20_000, pricePerKwh: 450 },
  ],
  pricePerMinute: 20,
  sessionFee: 500,
  idleFeePerMinute: 100,
  idleGraceMinutes: 15,
});
const start = new Date('2026-11-23T14:00:00Z');
// Two hours at 11 kW, a reading every 15 s, then 40 minutes idle.
const samples = Array.from({ length: 640 }, (_, i) => ({
  at: new Date(start.getTime() + (i + 1) * 15_000),
  energyWh: 1_000_000 + Math.min(i + 1, 480) * 46,
  powerW: i < 480 ? 11_000 : 0,
}));
const session = {
  meterStartWh: 1_000_000,
  meterStopWh: 1_022_080,
  startedAt: start,
  stoppedAt: new Date(start.getTime() + 9_600_000),
  tariff,
  authorizedAmount: 35_000,
  operatorEnergyWh: null,
  reviewReason: null,
};

const secret = 'A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A==';
const url = 'https://charge.example.com/api/vipps/webhook';
const body = JSON.stringify({ msn: '123456', reference: 'ev-abcdefghijklmnopqrst', pspReference: '1234567890', name: 'AUTHORIZED', amount: { currency: 'NOK', value: 35_000 }, timestamp: start.toISOString(), success: true });
const headers = new Headers(signWebhook(secret, url, body, start.toUTCString()));

describe('money path', () => {
  bench('settle a 2 h 40 min session from 640 meter readings (anomaly checks, idle tail, price, cap)', () => {
    settle(session, samples, 22_000);
  });

  bench('budget guard projection for one meter reading', () => {
    projectBudget({
      tariff,
      authorized: 35_000,
      meterStartWh: 1_000_000,
      lastRegisterWh: 1_015_000,
      lastReadingAt: start,
      startedAt: start,
      now: start,
      reportedPowerW: 11_000,
      recentAveragePowerW: 11_040,
      maxPowerW: 22_000,
      sampleIntervalSeconds: 15,
      stopLatencySeconds: 30,
    });
  });

  bench('verify one webhook signature', () => {
    verifyWebhookSignature({ secret, registeredUrl: url, rawBody: body, headers });
  });
});
