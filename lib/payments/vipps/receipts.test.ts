import { describe, expect, it } from 'vitest';
import type { SessionPrice } from '@/lib/pricing/price-session';
import { buildReceipt, receiptProblems } from './receipts';

/** The receipt is write-once: what we build must be what Vipps accepts and what we captured. */

const price: SessionPrice = {
  currency: 'NOK',
  lines: [
    // 12.345 kWh at 4.90 incl. 25 % VAT
    { kind: 'energy', quantity: 12_345, quantityUnit: 'Wh', unitPrice: 490, discount: 0, totalAmount: 6049, totalAmountExcludingTax: 4839, totalTaxAmount: 1210, taxRateBp: 2500 },
    // 48 min 10 s at 0.20 per minute
    { kind: 'time', quantity: 2890, quantityUnit: 's', unitPrice: 20, discount: 0, totalAmount: 963, totalAmountExcludingTax: 770, totalTaxAmount: 193, taxRateBp: 2500 },
    { kind: 'session_fee', quantity: 1, quantityUnit: 'pcs', unitPrice: 500, discount: 0, totalAmount: 500, totalAmountExcludingTax: 400, totalTaxAmount: 100, taxRateBp: 2500 },
    // 7 minutes idle at 1.00 per minute
    { kind: 'idle_fee', quantity: 420, quantityUnit: 's', unitPrice: 100, discount: 0, totalAmount: 700, totalAmountExcludingTax: 560, totalTaxAmount: 140, taxRateBp: 2500 },
  ],
  total: 8212,
  totalExcludingTax: 6569,
  totalTax: 1643,
};

describe('receipts', () => {
  const receipt = buildReceipt(price, { chargerId: 'DEMO-3', chargerName: 'Harbour fast charger', reference: 'ev-abc12345' });

  it('has one line per priced line, in kWh and minutes, with the tax rate in hundredths of a percent', () => {
    expect(receipt.orderLines.map((l) => [l.id, l.unitInfo.quantity, l.unitInfo.quantityUnit, l.taxRate])).toEqual([
      ['DEMO-3-energy', '12.345', 'KWH', 2500],
      ['DEMO-3-time', '48.17', 'MINUTE', 2500],
      ['DEMO-3-session_fee', '1', 'PCS', 2500],
      ['DEMO-3-idle_fee', '7.00', 'MINUTE', 2500],
    ]);
    expect(receipt.bottomLine).toEqual({ currency: 'NOK', posId: 'DEMO-3', receiptNumber: 'ev-abc12345' });
  });

  it('is consistent: each line’s tax is exact, and the lines sum to the captured amount', () => {
    expect(receiptProblems(receipt, 8212)).toEqual([]);
    expect(receiptProblems(receipt, 8211)).toEqual(['lines sum to 8212, but 8211 was captured']);
    const off = { ...receipt, orderLines: [{ ...receipt.orderLines[0]!, totalTaxAmount: 1209 }] };
    expect(receiptProblems(off)).toEqual(['line 0: totalAmount − totalAmountExcludingTax ≠ totalTaxAmount']);
  });

  it('shows what a cap waived as the line’s discount, the line total being after it', () => {
    const capped = buildReceipt(
      { ...price, lines: [{ ...price.lines[0]!, discount: 700, totalAmount: 5349, totalAmountExcludingTax: 4279, totalTaxAmount: 1070 }] },
      { chargerId: 'X', chargerName: 'X', reference: 'r' },
    );
    expect(capped.orderLines[0]).toMatchObject({ discount: 700, totalAmount: 5349 });
    expect(receipt.orderLines[0]).not.toHaveProperty('discount');
    expect(receiptProblems(capped, 5349)).toEqual([]);
  });

  it('keeps quantities within Vipps’ 10-character pattern, dropping decimals when they would not fit', () => {
    const huge = buildReceipt(
      { ...price, lines: [{ ...price.lines[0]!, quantity: 123_456_789_012 }] },
      { chargerId: 'X', chargerName: 'X', reference: 'r' },
    );
    expect(huge.orderLines[0]!.unitInfo.quantity).toBe('123456789');
    expect(receiptProblems(huge)).toEqual([]);
  });
});
