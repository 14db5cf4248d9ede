import Link from 'next/link';
import { getRuntime } from '@/lib/runtime/registry';
import { chargers } from '@/lib/db/schema';

export const dynamic = 'force-dynamic';

/** GET / – drivers arrive by QR code; this page only points the way (and lists chargers in a demo). */
export default async function Home() {
  const runtime = getRuntime();
  const all = runtime.emulator ? await runtime.database.db.select({ id: chargers.id, name: chargers.name }).from(chargers) : [];
  return (
    <main className="flex flex-1 flex-col gap-6 p-6">
      <h1 className="text-2xl font-bold">Charge with Vipps MobilePay</h1>
      <p className="text-slate-600">Scan the QR code on the charger to see its price and start charging. No app to install.</p>
      {all.length > 0 && (
        <section className="space-y-2">
          <h2 className="text-sm font-semibold uppercase tracking-wide text-slate-500">Demo chargers</h2>
          <ul className="divide-y divide-slate-200 rounded-xl border border-slate-200">
            {all.map((c) => (
              <li key={c.id}>
                <Link href={`/c/${encodeURIComponent(c.id)}`} className="flex justify-between px-4 py-3 hover:bg-slate-50">
                  <span className="font-medium">{c.name}</span>
                  <span className="text-slate-500">{c.id}</span>
                </Link>
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}
