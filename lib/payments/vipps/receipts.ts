import type { PriceLine, SessionPrice } from '@/lib/pricing/price-session';
import type { VippsClient } from './client';
import { isVippsError } from './errors';

/**
 * Order Management receipts: posted once, after the capture, so the
 * receipt shows in the wallet app. Amounts come straight from the priced
 * lines, whose tax arithmetic is exact by construction.
 */

export interface ReceiptOrderLine {
  name: string;
  id: string;
  totalAmount: number;
  totalAmountExcludingTax: number;
  totalTaxAmount: number;
  taxRate: number;
  unitInfo: { unitPrice: number; quantity: string; quantityUnit: 'KWH' | 'MINUTE' | 'PCS' };
  /** Waived to stay within the authorised amount (incl. VAT); totalAmount is after it. */
  discount?: number;
}

export interface Receipt {
  orderLines: ReceiptOrderLine[];
  bottomLine: { currency: string; posId: string; receiptNumber: string };
}

const LINE_NAMES: Record<PriceLine['kind'], string> = {
  energy: 'Energy',
  time: 'Charging time',
  session_fee: 'Session fee',
  idle_fee: 'Idle fee',
};

/** Vipps' quantity pattern: digits, optionally a dot and 1–8 decimals, at most 10 characters. */
const QUANTITY_PATTERN = /^\d+([.]\d{1,8})?$/;

/** "12.345" from 12 345 thousandths; decimals are dropped (quantities are cosmetic) if it would not fit. */
function decimal(value: number, scale: 100 | 1000): string {
  const digits = scale === 1000 ? 3 : 2;
  const text = `${Math.trunc(value / scale)}.${String(value % scale).padStart(digits, '0')}`;
  return text.length <= 10 ? text : String(Math.round(value / scale));
}

/** "12.345" kWh from Wh, "48.17" minutes from seconds; quantities are cosmetic but must match the pattern. */
function quantityOf(line: PriceLine): { quantity: string; quantityUnit: ReceiptOrderLine['unitInfo']['quantityUnit'] } {
  if (line.quantityUnit === 'Wh') return { quantity: decimal(line.quantity, 1000), quantityUnit: 'KWH' };
  if (line.quantityUnit === 's') return { quantity: decimal(Math.round((line.quantity * 100) / 60), 100), quantityUnit: 'MINUTE' };
  return { quantity: String(line.quantity), quantityUnit: 'PCS' };
}

export function buildReceipt(price: SessionPrice, context: { chargerId: string; chargerName: string; reference: string }): Receipt {
  return {
    orderLines: price.lines.map((line) => ({
      name: `${LINE_NAMES[line.kind]}, ${context.chargerName}`,
      id: `${context.chargerId}-${line.kind}`,
      totalAmount: line.totalAmount,
      totalAmountExcludingTax: line.totalAmountExcludingTax,
      totalTaxAmount: line.totalTaxAmount,
      taxRate: line.taxRateBp,
      unitInfo: { unitPrice: line.unitPrice, ...quantityOf(line) },
      // Prices stored before discounts existed have no such field.
      ...(line.discount ? { discount: line.discount } : {}),
    })),
    bottomLine: { currency: price.currency, posId: context.chargerId, receiptNumber: context.reference },
  };
}

/**
 * What Vipps would refuse (or silently mis-sum) in a receipt, checked before
 * it is sent: a receipt is write-once, so it must be right the first time.
 */
export function receiptProblems(receipt: Receipt, capturedAmount?: number): string[] {
  const problems: string[] = [];
  if (receipt.orderLines.length === 0) problems.push('a receipt needs at least one order line');
  receipt.orderLines.forEach((line, i) => {
    const amounts = [line.totalAmount, line.totalAmountExcludingTax, line.totalTaxAmount, line.unitInfo.unitPrice, line.discount ?? 0];
    if (!amounts.every((a) => Number.isInteger(a) && a >= 0)) problems.push(`line ${i}: amounts must be non-negative integers`);
    if (line.totalAmount - line.totalAmountExcludingTax !== line.totalTaxAmount) {
      problems.push(`line ${i}: totalAmount − totalAmountExcludingTax ≠ totalTaxAmount`);
    }
    if (!Number.isInteger(line.taxRate) || line.taxRate < 0 || line.taxRate > 10_000) problems.push(`line ${i}: taxRate out of range`);
    if (!QUANTITY_PATTERN.test(line.unitInfo.quantity) || line.unitInfo.quantity.length > 10) {
      problems.push(`line ${i}: quantity ${line.unitInfo.quantity} does not match the pattern`);
    }
  });
  const total = receipt.orderLines.reduce((sum, line) => sum + line.totalAmount, 0);
  if (capturedAmount !== undefined && total !== capturedAmount) {
    problems.push(`lines sum to ${total}, but ${capturedAmount} was captured`);
  }
  return problems;
}

/** Posts the receipt (write-once); a 409 means it is already there, which counts as done. */
export async function postReceipt(client: VippsClient, reference: string, receipt: Receipt): Promise<'posted' | 'already-posted'> {
  const problems = receiptProblems(receipt);
  if (problems.length > 0) throw new Error(`refusing to post an inconsistent receipt for ${reference}: ${problems.join('; ')}`);
  try {
    await client.request({
      operation: 'post receipt',
      method: 'POST',
      path: `/order-management/v2/ECOM/receipts/${encodeURIComponent(reference)}`,
      body: receipt,
    });
    return 'posted';
  } catch (error) {
    if (isVippsError(error, 409)) return 'already-posted';
    throw error;
  }
}
