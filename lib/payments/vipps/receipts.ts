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

/** "12.345" kWh from Wh, "48.17" minutes from seconds; quantities are cosmetic but must match the pattern. */
function quantityOf(line: PriceLine): { quantity: string; quantityUnit: ReceiptOrderLine['unitInfo']['quantityUnit'] } {
  if (line.quantityUnit === 'Wh') {
    return { quantity: `${Math.trunc(line.quantity / 1000)}.${String(line.quantity % 1000).padStart(3, '0')}`, quantityUnit: 'KWH' };
  }
  if (line.quantityUnit === 's') {
    const hundredths = Math.round((line.quantity * 100) / 60);
    return { quantity: `${Math.trunc(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`, quantityUnit: 'MINUTE' };
  }
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
    })),
    bottomLine: { currency: price.currency, posId: context.chargerId, receiptNumber: context.reference },
  };
}

/** Posts the receipt; a 409 means it is already there, which counts as done. */
export async function postReceipt(client: VippsClient, reference: string, receipt: Receipt): Promise<'posted' | 'already-posted'> {
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
