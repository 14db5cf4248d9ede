/** The connector's OCPP status, in words a driver understands. */
const LABELS: Record<string, { label: string; style: string }> = {
  Available: { label: 'Available', style: 'bg-emerald-100 text-emerald-800' },
  Preparing: { label: 'Ready', style: 'bg-emerald-100 text-emerald-800' },
  Charging: { label: 'Charging', style: 'bg-sky-100 text-sky-800' },
  SuspendedEV: { label: 'Car paused', style: 'bg-sky-100 text-sky-800' },
  SuspendedEVSE: { label: 'Paused by charger', style: 'bg-amber-100 text-amber-800' },
  Finishing: { label: 'Finishing', style: 'bg-slate-200 text-slate-700' },
  Reserved: { label: 'Reserved', style: 'bg-amber-100 text-amber-800' },
  Faulted: { label: 'Out of order', style: 'bg-red-100 text-red-800' },
  Unavailable: { label: 'Unavailable', style: 'bg-red-100 text-red-800' },
  Offline: { label: 'Offline', style: 'bg-slate-200 text-slate-700' },
};

export function StatusBadge({ status }: { status: string }) {
  const shown = LABELS[status] ?? { label: status, style: 'bg-slate-200 text-slate-700' };
  return (
    <span data-testid="connector-status" className={`inline-flex items-center rounded-full px-3 py-1 text-xs font-semibold ${shown.style}`}>
      {shown.label}
    </span>
  );
}
