const STYLES: Record<string, string> = {
  Available: 'bg-emerald-100 text-emerald-800',
  Preparing: 'bg-emerald-100 text-emerald-800',
  Charging: 'bg-sky-100 text-sky-800',
  SuspendedEV: 'bg-sky-100 text-sky-800',
  SuspendedEVSE: 'bg-amber-100 text-amber-800',
  Finishing: 'bg-slate-200 text-slate-700',
  Faulted: 'bg-red-100 text-red-800',
  Unavailable: 'bg-red-100 text-red-800',
  Offline: 'bg-slate-200 text-slate-700',
};

export function StatusBadge({ status }: { status: string }) {
  return (
    <span
      data-testid="connector-status"
      className={`inline-flex items-center rounded-full px-3 py-1 text-xs font-semibold ${STYLES[status] ?? 'bg-slate-200 text-slate-700'}`}
    >
      {status}
    </span>
  );
}
