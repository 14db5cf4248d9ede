export default function UnknownSession() {
  return (
    <main className="flex flex-1 flex-col items-center justify-center gap-3 p-8 text-center">
      <p className="text-sm font-semibold uppercase tracking-wide text-slate-500">404</p>
      <h1 className="text-2xl font-bold">Session not found</h1>
      <p className="text-slate-600">This link does not lead to a charging session. Scan the charger again to start one.</p>
    </main>
  );
}
