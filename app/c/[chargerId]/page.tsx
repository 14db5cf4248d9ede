import { randomUUID } from 'node:crypto';
import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { SESSION_COOKIE } from '@/app/_lib/session-cookie';
import { TariffSummary } from '@/app/_components/tariff-summary';
import { getRuntime } from '@/lib/runtime/registry';
import { CheckoutForm } from './checkout-form';
import { LiveStatus } from './live-status';

export const dynamic = 'force-dynamic';

type Props = { params: Promise<{ chargerId: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { chargerId } = await params;
  return { title: `Charge at ${decodeURIComponent(chargerId)}` };
}

/** GET /c/{chargerId} – the QR sticker's target: charger, live status, full price, pay. */
export default async function ChargerPage({ params }: Props) {
  const { chargerId } = await params;
  const cookieToken = (await cookies()).get(SESSION_COOKIE)?.value;
  const view = await getRuntime().charging.chargerPage(decodeURIComponent(chargerId), cookieToken);
  if (!view) notFound();

  const wallet = view.country === 'NO' ? 'Vipps' : 'MobilePay';
  const canPay = view.availability.kind === 'available';
  return (
    <main className="flex flex-1 flex-col gap-6 p-5">
      <header className="space-y-1">
        <p className="text-sm text-slate-500">{view.siteName}</p>
        <h1 className="text-2xl font-bold">{view.chargerName}</h1>
        <div className="flex items-center gap-2 text-sm text-slate-600">
          <span data-testid="charger-id">Charger {view.chargerId}</span>
          <span aria-hidden>·</span>
          <LiveStatus chargerId={view.chargerId} initial={view.connectorStatus} />
        </div>
      </header>

      {view.ownSession && (
        <Link
          href={`/s/${view.ownSession.token}`}
          className="rounded-xl bg-sky-50 px-4 py-3 text-sm font-medium text-sky-900 underline-offset-2 hover:underline"
        >
          You have a session on this charger. Open it →
        </Link>
      )}

      <section className="space-y-2">
        <h2 className="text-sm font-semibold uppercase tracking-wide text-slate-500">Price</h2>
        <TariffSummary tariff={view.tariff} />
      </section>

      {!canPay && (
        <p className="rounded-xl bg-amber-50 px-4 py-3 text-sm text-amber-900" data-testid="availability" role="status">
          {view.availabilityMessage}
        </p>
      )}

      <section className="mt-auto">
        <CheckoutForm
          checkoutId={randomUUID()}
          chargerId={view.chargerId}
          connectorId={view.connectorId}
          currency={view.tariff.currency}
          presets={view.reservation.presets}
          defaultAmount={view.reservation.defaultAmount}
          wallet={wallet}
          disabled={!canPay}
        />
      </section>
    </main>
  );
}
