export default function NotFound() {
  return (
    <main className="flex flex-1 flex-col items-center justify-center gap-3 p-8 text-center">
      <p className="text-sm font-semibold uppercase tracking-wide text-slate-500">404</p>
      <h1 className="text-2xl font-bold">Page not found</h1>
      <p className="text-slate-600">Scan the QR code on the charger to get started.</p>
    </main>
  );
}
