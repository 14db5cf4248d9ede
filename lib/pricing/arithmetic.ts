/**
 * Integer arithmetic for money. Amounts are minor units (øre, cents), energy
 * is Wh, time is seconds; every value here is an integer and every division
 * rounds exactly once, half up, through BigInt so no intermediate is a float.
 */

export function assertNonNegativeInteger(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a non-negative integer, got ${value}`);
  }
}

/** round(numerator / denominator), halves rounded up; both non-negative. */
export function divideRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  if (numerator < 0n) throw new RangeError('numerator must be non-negative');
  return (numerator * 2n + denominator) / (denominator * 2n);
}

export function toSafeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${what} is too large`);
  return Number(value);
}

/** Splits an amount that includes VAT so that excl + tax = total exactly. */
export function splitVat(totalInclVat: number, vatRateBp: number): { excludingTax: number; tax: number } {
  assertNonNegativeInteger(totalInclVat, 'amount');
  assertNonNegativeInteger(vatRateBp, 'VAT rate');
  const excludingTax = toSafeNumber(
    divideRoundHalfUp(BigInt(totalInclVat) * 10_000n, 10_000n + BigInt(vatRateBp)),
    'amount excluding VAT',
  );
  return { excludingTax, tax: totalInclVat - excludingTax };
}
