'use client';

import { useCallback, useEffect, useState } from 'react';
import type { SessionView } from '@/lib/charging/session-view';
import { formatDuration, formatKw, formatKwh, formatMinorUnits } from '@/lib/pricing/format';

const LINE_LABELS: Record<string, string> = {
  energy: 'Energy',
  time: 'Charging time',
  session_fee: 'Session fee',
  idle_fee: 'Idle fee',
};

export function SessionLive({ token, initial }: { token: string; initial: SessionView }) {
  const [view, setView] = useState(initial);
  const [stopping, setStopping] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      const response = await fetch(`/api/sessions/${token}?waiting=1`, { cache: 'no-store' });
      if (response.ok) setView((await response.json()) as SessionView);
    } catch {
      // A moment without network: the next tick tries again.
    }
  }, [token]);

  useEffect(() => {
    if (view.final) return;
    const timer = setInterval(refresh, 2000);
    return () => clearInterval(timer);
  }, [view.final, refresh]);

  async function stop() {
    setStopping(true);
    setError(null);
    try {
      const response = await fetch(`/api/sessions/${token}/stop`, { method: 'POST' });
      const body = (await response.json()) as SessionView | { error: string };
      if (!response.ok) setError('error' in body ? body.error : 'Could not stop the session.');
      else setView(body as SessionView);
    } catch {
      setError('No connection. Try again.');
    } finally {
      setStopping(false);
    }
  }

  const money = (minor: number) => formatMinorUnits(minor, view.currency);

  return (
    <main className="flex flex-1 flex-col gap-6 p-5" data-state={view.state}>
      <header className="space-y-1">
        <p className="text-sm text-slate-500">
          {view.chargerName} · Charger {view.chargerId}
        </p>
        <h1 className="text-2xl font-bold" data-testid="session-heading">
          {HEADINGS[view.state]}
        </h1>
      </header>

      {view.state === 'PAYMENT_PENDING' && (
        <section className="space-y-4">
          <p className="text-slate-600">
            Approve the reservation of {money(view.reservedAmount)} in the app. Charging starts as soon as it is approved.
          </p>
          {view.paymentUrl && (
            <a href={view.paymentUrl} className="block rounded-xl bg-vipps px-4 py-4 text-center text-lg font-bold text-white">
              Open Vipps MobilePay
            </a>
          )}
          <button type="button" onClick={stop} disabled={stopping} className="w-full rounded-xl border border-slate-300 px-4 py-3 font-semibold">
            Cancel
          </button>
        </section>
      )}

      {(view.state === 'AUTHORIZED' || view.state === 'STARTING') && (
        <section className="space-y-4">
          <p className="text-slate-600">
            Payment approved: up to {money(view.authorizedAmount ?? view.reservedAmount)} is reserved. Plug in your car if you have not
            already; charging starts in a moment.
          </p>
          <button type="button" onClick={stop} disabled={stopping} className="w-full rounded-xl border border-slate-300 px-4 py-3 font-semibold">
            Cancel
          </button>
        </section>
      )}

      {(view.state === 'CHARGING' || view.state === 'STOPPING') && (
        <section className="space-y-4">
          <div className="grid grid-cols-2 gap-3">
            <Stat label="Energy" value={`${formatKwh(view.energyWh)} kWh`} testId="energy" />
            <Stat label="Cost so far" value={money(view.cost)} testId="cost" />
            <Stat label="Time" value={formatDuration(view.elapsedSeconds)} />
            <Stat label="Power" value={view.powerW !== null ? `${formatKw(view.powerW)} kW` : '–'} />
          </div>
          <p className="text-xs text-slate-500">
            Charging stops by itself before it would cost more than the {money(view.authorizedAmount ?? view.reservedAmount)} you reserved.
          </p>
          <button
            type="button"
            onClick={stop}
            disabled={stopping || view.state === 'STOPPING'}
            className="w-full rounded-xl bg-slate-900 px-4 py-4 text-lg font-bold text-white disabled:bg-slate-400"
          >
            {view.state === 'STOPPING' ? 'Stopping…' : 'Stop charging'}
          </button>
        </section>
      )}

      {(view.state === 'STOPPED' || view.state === 'SETTLED' || view.state === 'COMPLETED') && (
        <section className="space-y-4" data-testid="receipt">
          <dl className="divide-y divide-slate-200 rounded-xl border border-slate-200">
            <Line label="Energy delivered" value={`${formatKwh(view.energyWh)} kWh`} testId="receipt-energy" />
            <Line label="Duration" value={formatDuration(view.elapsedSeconds)} />
            {view.lines.map((line) => (
              <Line key={line.kind} label={LINE_LABELS[line.kind] ?? line.kind} value={money(line.totalAmount)} />
            ))}
            <Line label="Total (incl. VAT)" value={money(view.cost)} strong testId="receipt-total" />
            <Line label="VAT" value={money(view.lines.reduce((sum, l) => sum + l.totalTaxAmount, 0))} />
          </dl>
          <dl className="divide-y divide-slate-200 rounded-xl border border-slate-200">
            <Line label="Paid" value={view.state === 'STOPPED' ? 'Pending…' : money(view.capturedAmount)} strong testId="receipt-captured" />
            <Line
              label="Released back to you"
              value={view.state === 'COMPLETED' ? money(view.releasedAmount) : 'Pending…'}
              testId="receipt-released"
            />
            <Line label="Payment reference" value={view.reference} testId="receipt-reference" />
          </dl>
          {view.receiptPosted && <p className="text-sm text-slate-600">The receipt is also in your Vipps MobilePay app.</p>}
        </section>
      )}

      {(view.state === 'CANCELLED' || view.state === 'FAILED' || view.state === 'REVIEW_REQUIRED') && (
        <section className="space-y-3">
          {view.message && <p className="text-slate-700">{view.message}</p>}
          <p className="text-sm text-slate-600">
            {view.state === 'REVIEW_REQUIRED'
              ? 'The operator will check the meter reading and settle the payment. You will never pay more than you reserved.'
              : view.authorizedAmount
                ? 'Nothing has been charged. The reserved amount is released back to you.'
                : 'Nothing has been charged.'}
          </p>
          <p className="text-xs text-slate-500">Payment reference {view.reference}</p>
        </section>
      )}

      <div aria-live="polite" role="status">
        {error && <p className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">{error}</p>}
      </div>
    </main>
  );
}

const HEADINGS: Record<SessionView['state'], string> = {
  PAYMENT_PENDING: 'Waiting for your approval',
  AUTHORIZED: 'Starting the charger',
  STARTING: 'Starting the charger',
  CHARGING: 'Charging',
  STOPPING: 'Stopping',
  STOPPED: 'Finishing up',
  SETTLED: 'Charging complete',
  COMPLETED: 'Charging complete',
  CANCELLED: 'Cancelled',
  FAILED: 'Charging could not start',
  REVIEW_REQUIRED: 'Under review',
};

function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="rounded-xl bg-slate-50 px-4 py-3">
      <p className="text-xs text-slate-500">{label}</p>
      <p className="text-xl font-bold tabular-nums" data-testid={testId}>
        {value}
      </p>
    </div>
  );
}

function Line({ label, value, strong = false, testId }: { label: string; value: string; strong?: boolean; testId?: string }) {
  return (
    <div className="flex items-baseline justify-between gap-4 px-4 py-3">
      <dt className="text-sm text-slate-600">{label}</dt>
      <dd className={`tabular-nums ${strong ? 'font-bold' : 'text-sm font-medium'}`} data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}
