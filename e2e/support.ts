import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { SimulatedChargePoint } from '@/lib/chargers/simulator/charge-point';
import { createFakeClock, type FakeClock } from '@/lib/clock';

/** What the browser tests share: a charger the test drives by hand, and the emulator's ledger. */

export function ocppUrl(baseURL: string): string {
  return `${baseURL.replace(/^http/, 'ws')}/ocpp`;
}

/**
 * A simulated DEMO charger over the real WebSocket, metering only when the test says so. Its clock
 * runs an hour behind and the test moves it forward, so "40 minutes of charging" takes no time
 * and still reads as energy a real charger could deliver.
 */
export async function connectChargePoint(baseURL: string, id: string): Promise<{ chargePoint: SimulatedChargePoint; clock: FakeClock }> {
  const clock = createFakeClock(new Date(Date.now() - 3600_000));
  const chargePoint = new SimulatedChargePoint({
    url: ocppUrl(baseURL),
    id,
    password: 'demo-secret',
    meterIntervalSeconds: 0,
    registerWh: 4_321_000,
    clock,
  });
  await chargePoint.connect();
  return { chargePoint, clock };
}

export async function waitUntilOnline(request: APIRequestContext, chargerId: string): Promise<void> {
  await expect
    .poll(async () => ((await (await request.get(`/api/chargers/${chargerId}`)).json()) as { online: boolean }).online)
    .toBe(true);
}

export interface LedgerPayment {
  state: string;
  aggregate: Record<'authorizedAmount' | 'capturedAmount' | 'cancelledAmount' | 'refundedAmount', { value: number; currency: string }>;
}

export async function emulatorPayment(request: APIRequestContext, reference: string): Promise<LedgerPayment> {
  const response = await request.get(`/api/dev/vipps/payments/${reference}`);
  expect(response.status()).toBe(200);
  return (await response.json()) as LedgerPayment;
}

/** The driver's steps on the phone. */
export async function payOnChargerPage(page: Page, chargerId: string, amountLabel?: string): Promise<void> {
  await page.goto(`/c/${chargerId}`);
  if (amountLabel) await page.getByText(amountLabel, { exact: true }).click();
  await page.getByRole('button', { name: /^Pay with (Vipps|MobilePay)$/ }).click();
  await expect(page).toHaveURL(/\/dev\/vipps\/wallet\?token=/);
}
