export const metadata = { title: 'Terms of use' };

/** GET /terms – what the driver accepts by paying (Vipps requires terms before payment). */
export default function Terms() {
  return (
    <main className="prose flex flex-1 flex-col gap-4 p-6 text-slate-700">
      <h1 className="text-2xl font-bold text-slate-900">Terms of use</h1>
      <p>
        When you pay, the maximum amount you choose is reserved in your Vipps MobilePay app. It is not charged. When charging ends
        you are charged exactly the price shown on the charger page for the energy (and any time or idle fees) you used, and the
        rest of the reservation is released at once. Your bank may take a few days to show the release.
      </p>
      <p>
        Charging stops by itself before its cost would exceed the amount you reserved. You can stop at any time from your session
        page or at the charger. The price you saw when you paid is the price you pay, even if the tariff changes meanwhile.
      </p>
      <p>If charging cannot start, nothing is charged and the whole reservation is released.</p>
      <p>The receipt is shown on the session page and sent to your Vipps MobilePay app.</p>
    </main>
  );
}
