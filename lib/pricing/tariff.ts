import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * A tariff as the driver sees it: every price includes VAT and is an integer
 * in minor units. Energy may be tiered by the energy delivered in the session.
 */

export const currencies = ['NOK', 'DKK', 'EUR'] as const;
export type Currency = (typeof currencies)[number];

const minorUnits = z.number().int().min(0).max(10_000_000);

export const energyTierSchema = z.object({
  /** The tier applies from this much session energy onwards (Wh). */
  fromWh: z.number().int().min(0),
  /** Minor units per kWh, including VAT. */
  pricePerKwh: minorUnits,
});

export const tariffSchema = z
  .object({
    currency: z.enum(currencies),
    /** VAT rate in hundredths of a percent: 2500 = 25 %. */
    vatRateBp: z.number().int().min(0).max(10_000),
    energyTiers: z.array(energyTierSchema).min(1).max(10),
    /** Minor units per minute of the transaction, including VAT. */
    pricePerMinute: minorUnits.default(0),
    sessionFee: minorUnits.default(0),
    /** Minor units per minute the car stays plugged in without drawing power, after the grace period. */
    idleFeePerMinute: minorUnits.default(0),
    idleGraceMinutes: z.number().int().min(0).max(24 * 60).default(0),
  })
  .superRefine((tariff, ctx) => {
    const tiers = tariff.energyTiers;
    if (tiers[0]?.fromWh !== 0) {
      ctx.addIssue({ code: 'custom', path: ['energyTiers', 0, 'fromWh'], message: 'the first tier must start at 0 Wh' });
    }
    for (let i = 1; i < tiers.length; i++) {
      if (tiers[i]!.fromWh <= tiers[i - 1]!.fromWh) {
        ctx.addIssue({ code: 'custom', path: ['energyTiers', i, 'fromWh'], message: 'tiers must start at increasing energy' });
      }
    }
  });

export type Tariff = z.output<typeof tariffSchema>;
export type TariffInput = z.input<typeof tariffSchema>;

export function parseTariff(input: unknown): Tariff {
  return tariffSchema.parse(input);
}

/** A flat energy-only tariff, e.g. 4.90 NOK/kWh incl. 25 % VAT. */
export function flatEnergyTariff(currency: Currency, pricePerKwh: number, vatRateBp: number): Tariff {
  return parseTariff({ currency, vatRateBp, energyTiers: [{ fromWh: 0, pricePerKwh }] });
}

/** Stable content hash: the same prices always give the same hash. */
export function tariffHash(tariff: Tariff): string {
  const canonical = JSON.stringify({
    currency: tariff.currency,
    vatRateBp: tariff.vatRateBp,
    energyTiers: tariff.energyTiers.map((t) => [t.fromWh, t.pricePerKwh]),
    pricePerMinute: tariff.pricePerMinute,
    sessionFee: tariff.sessionFee,
    idleFeePerMinute: tariff.idleFeePerMinute,
    idleGraceMinutes: tariff.idleGraceMinutes,
  });
  return createHash('sha256').update(canonical).digest('hex');
}
