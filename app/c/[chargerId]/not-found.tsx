export default function UnknownCharger() {
  return (
    <main className="flex flex-1 flex-col items-center justify-center gap-3 p-8 text-center">
      <p className="text-sm font-semibold uppercase tracking-wide text-slate-500">404</p>
      <h1 className="text-2xl font-bold">Unknown charger</h1>
      <p className="text-slate-600">
        We do not know a charger with this id. Check the code on the sticker, or scan it again.
      </p>
    </main>
  );
}
