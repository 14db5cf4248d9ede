import { expect, test } from '@playwright/test';
import { formatMinorUnits } from '@/lib/pricing/format';
import { emulatorPayment, payOnChargerPage, waitUntilOnline } from './support';

// The demo's own simulated chargers: they start on payment, meter by themselves and stop on request.

test('the built-in simulated DEMO-2 charges on its own and settles what it metered', async ({ page, request }) => {
  await waitUntilOnline(request, 'DEMO-2');
  await payOnChargerPage(page, 'DEMO-2');
  await page.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByTestId('session-heading')).toHaveText('Charging');
  // The simulator meters every second at 11 kW: wait until the page shows energy, then stop.
  await expect(page.getByTestId('energy')).not.toHaveText('0.000 kWh');
  await page.getByRole('button', { name: 'Stop charging' }).click();
  await expect(page.getByTestId('session-heading')).toHaveText('Charging complete');

  const reference = (await page.getByTestId('receipt-reference').textContent())!;
  const payment = await emulatorPayment(request, reference);
  const captured = payment.aggregate.capturedAmount.value;
  await expect(page.getByTestId('receipt-captured')).toHaveText(formatMinorUnits(captured, 'NOK'));
  expect(captured + payment.aggregate.cancelledAmount.value).toBe(payment.aggregate.authorizedAmount.value);
});
