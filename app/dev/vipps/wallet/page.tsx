import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { formatMinorUnits } from '@/lib/pricing/format';
import type { Currency } from '@/lib/pricing/tariff';
import { getRuntime } from '@/lib/runtime/registry';
import { WalletForm } from './wallet-form';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Vipps MobilePay (emulator)', robots: { index: false } };

type Props = { searchParams: Promise<{ token?: string }> };

/** GET /dev/vipps/wallet?token=… – emulator mode only: stands in for the Vipps MobilePay app. */
export default async function EmulatedWallet({ searchParams }: Props) {
  const emulator = getRuntime().emulator;
  const { token } = await searchParams;
  if (!emulator || !token) notFound();
  const payment = await emulator.ledger.findByLandingToken(token);
  if (!payment) notFound();
  const request = payment.request as { paymentDescription?: string; returnUrl?: string };
  return (
    <main className="flex flex-1 flex-col gap-6 bg-slate-50 p-5">
      <header className="space-y-1">
        <p className="text-xs font-semibold uppercase tracking-wide text-vipps">Vipps MobilePay · test emulator</p>
        <h1 className="text-2xl font-bold">Confirm payment</h1>
      </header>
      <section className="space-y-2 rounded-2xl bg-white p-5 shadow-sm">
        <p className="text-sm text-slate-500">{request.paymentDescription ?? payment.reference}</p>
        <p className="text-3xl font-bold tabular-nums" data-testid="wallet-amount">
          {formatMinorUnits(payment.amount, payment.currency as Currency)}
        </p>
        <p className="text-xs text-slate-500">Reserved now; the merchant charges only what you use.</p>
      </section>
      {payment.state === 'CREATED' ? (
        <>
          <WalletForm token={token} />
          {/* Leaving the page alone is the third choice: Vipps expires the payment after 10 minutes. */}
          <p className="text-center text-xs text-slate-500" data-testid="wallet-expires-at">
            Not approved by {payment.expiresAt.toISOString().slice(11, 19)} UTC, the payment expires.
          </p>
        </>
      ) : (
        <section className="space-y-3">
          <p className="text-slate-700">This payment is {payment.state.toLowerCase()}.</p>
          {request.returnUrl && (
            <a href={request.returnUrl} className="block rounded-xl border border-slate-300 px-4 py-3 text-center font-semibold">
              Back to the merchant
            </a>
          )}
        </section>
      )}
    </main>
  );
}
