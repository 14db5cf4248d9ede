import { expect, test } from '@playwright/test';
import type { SimulatedChargePoint } from '@/lib/chargers/simulator/charge-point';
import type { FakeClock } from '@/lib/clock';
import { connectChargePoint, emulatorPayment, payOnChargerPage, waitUntilOnline } from './support';

// The walking skeleton's demo path on a phone: scan, pay, approve, charge, stop, receipt.

let chargePoint: SimulatedChargePoint;
let chargerClock: FakeClock;

test.beforeAll(async ({ baseURL }) => {
  ({ chargePoint, clock: chargerClock } = await connectChargePoint(baseURL!, 'DEMO-1'));
});
test.afterAll(async () => {
  await chargePoint?.close();
});

test('a driver pays with Vipps, charges 12.345 kWh on DEMO-1 and is billed exactly for it', async ({ page, request }) => {
  await waitUntilOnline(request, 'DEMO-1');

  await page.goto('/c/DEMO-1');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(page.getByTestId('charger-id')).toHaveText('Charger DEMO-1');
  await expect(page.getByTestId('tariff')).toContainText('4.90 NOK per kWh');
  await expect(page.getByTestId('connector-status')).toBeVisible();

  await payOnChargerPage(page, 'DEMO-1', '350.00 NOK');
  await expect(page.getByTestId('wallet-amount')).toHaveText('350.00 NOK');
  await page.getByRole('button', { name: 'Approve' }).click();

  await expect(page).toHaveURL(/\/s\/[A-Za-z0-9_-]{43}$/);
  await expect(page.getByTestId('session-heading')).toHaveText('Charging');

  // 12.345 kWh over 40 minutes of the charger's clock: 18.5 kW.
  chargerClock.advance(40 * 60_000);
  await chargePoint.deliver(12_345, 18_500);
  await expect(page.getByTestId('energy')).toHaveText('12.345 kWh');
  await expect(page.getByTestId('cost')).toHaveText('60.49 NOK');

  await page.getByRole('button', { name: 'Stop charging' }).click();
  await expect(page.getByTestId('session-heading')).toHaveText('Charging complete');
  await expect(page.getByTestId('receipt-energy')).toHaveText('12.345 kWh');
  await expect(page.getByTestId('receipt-total')).toHaveText('60.49 NOK');
  await expect(page.getByTestId('receipt-captured')).toHaveText('60.49 NOK');
  await expect(page.getByTestId('receipt-released')).toHaveText('289.51 NOK');

  const reference = (await page.getByTestId('receipt-reference').textContent())!;
  const payment = await emulatorPayment(request, reference);
  // 12.345 kWh × 4.90 NOK = 60.4905 NOK → 6049 øre captured; the rest of 350.00 NOK released.
  expect(payment.state).toBe('AUTHORIZED');
  expect(payment.aggregate.authorizedAmount.value).toBe(35_000);
  expect(payment.aggregate.capturedAmount.value).toBe(6049);
  expect(payment.aggregate.cancelledAmount.value).toBe(35_000 - 6049);

  const receipt = await request.get(`/api/dev/vipps/receipts/${reference}`);
  expect(receipt.status()).toBe(200);
  const body = (await receipt.json()) as { postAttempts: number; receipt: { orderLines: Array<{ totalAmount: number }> } };
  expect(body.postAttempts).toBe(1);
  expect(body.receipt.orderLines.reduce((sum, line) => sum + line.totalAmount, 0)).toBe(6049);
});

test('a driver who rejects in the app is charged nothing and the charger stays free', async ({ page, request }) => {
  await waitUntilOnline(request, 'DEMO-1');
  await payOnChargerPage(page, 'DEMO-1');
  await page.getByRole('button', { name: 'Reject' }).click();
  await expect(page.getByTestId('session-heading')).toHaveText('Cancelled');
  await expect(page.getByText('Nothing has been charged.')).toBeVisible();

  await page.goto('/c/DEMO-1');
  await expect(page.getByRole('button', { name: 'Pay with Vipps' })).toBeEnabled();
});

test('an unknown charger is a 404 that says so', async ({ page }) => {
  const response = await page.goto('/c/NO-SUCH-CHARGER');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Unknown charger' })).toBeVisible();
});

test('a webhook without a valid signature is refused with 401', async ({ request }) => {
  const body = { msn: '123456', reference: 'ev-forged-0001', pspReference: '1', name: 'AUTHORIZED', amount: { currency: 'NOK', value: 100 }, timestamp: new Date().toISOString(), success: true };
  const unsigned = await request.post('/api/vipps/webhook', { data: body });
  expect(unsigned.status()).toBe(401);
  const forged = await request.post('/api/vipps/webhook', {
    data: body,
    headers: {
      'x-ms-date': new Date().toUTCString(),
      'x-ms-content-sha256': 'AAAA',
      authorization: 'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=AAAA',
    },
  });
  expect(forged.status()).toBe(401);
});
