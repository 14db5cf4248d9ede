import { formatKwh, formatMinorUnits } from '@/lib/pricing/format';
import type { Tariff } from '@/lib/pricing/tariff';

/** Every part of the price, before anything is paid. All prices include VAT. */
export function TariffSummary({ tariff }: { tariff: Tariff }) {
  const money = (minor: number) => formatMinorUnits(minor, tariff.currency);
  const tiers = tariff.energyTiers;
  return (
    <dl className="divide-y divide-slate-200 rounded-xl border border-slate-200" data-testid="tariff">
      {tiers.map((tier, i) => (
        <Row
          key={tier.fromWh}
          label={
            tiers.length === 1
              ? 'Energy'
              : i === tiers.length - 1
                ? `Energy above ${formatKwh(tier.fromWh)} kWh`
                : `Energy ${formatKwh(tier.fromWh)}–${formatKwh(tiers[i + 1]!.fromWh)} kWh`
          }
          value={`${money(tier.pricePerKwh)} per kWh`}
          emphasis={i === 0}
        />
      ))}
      {tariff.pricePerMinute > 0 && <Row label="Charging time" value={`${money(tariff.pricePerMinute)} per minute`} />}
      {tariff.sessionFee > 0 && <Row label="Session fee" value={money(tariff.sessionFee)} />}
      {tariff.idleFeePerMinute > 0 && (
        <Row
          label={`Idle fee after ${tariff.idleGraceMinutes} min without charging`}
          value={`${money(tariff.idleFeePerMinute)} per minute`}
        />
      )}
      <Row label="VAT" value={`${tariff.vatRateBp / 100} % included`} />
    </dl>
  );
}

function Row({ label, value, emphasis = false }: { label: string; value: string; emphasis?: boolean }) {
  return (
    <div className="flex items-baseline justify-between gap-4 px-4 py-3">
      <dt className="text-sm text-slate-600">{label}</dt>
      <dd className={emphasis ? 'text-lg font-semibold' : 'text-sm font-medium'}>{value}</dd>
    </div>
  );
}
