import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { getRuntime } from '@/lib/runtime/registry';
import { SessionLive } from './session-live';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = {
  title: 'Your charging session',
  // The token in this URL is the driver's key to the session: keep it out of referrers and indexes.
  referrer: 'no-referrer',
  robots: { index: false, follow: false },
};

type Props = { params: Promise<{ token: string }> };

/** GET /s/{token} – the driver's session: waiting for payment, charging live, then the receipt. */
export default async function SessionPage({ params }: Props) {
  const { token } = await params;
  const view = await getRuntime().charging.sessionView(token, { driverIsWaiting: true });
  if (!view) notFound();
  return <SessionLive token={token} initial={view} />;
}
