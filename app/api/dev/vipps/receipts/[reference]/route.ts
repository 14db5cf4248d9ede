import { emulatorOrNotFound, jsonError, jsonOk } from '@/app/_lib/http';

export const dynamic = 'force-dynamic';

// GET /api/dev/vipps/receipts/{reference} – emulator mode only: the Order Management receipt
// posted for a payment, and how many times a post was attempted.
export async function GET(_request: Request, { params }: { params: Promise<{ reference: string }> }) {
  const found = emulatorOrNotFound();
  if ('response' in found) return found.response;
  const { reference } = await params;
  const row = await found.emulator.orderManagement.receiptLedger(reference);
  if (!row) return jsonError(404, `No receipt for ${reference}.`);
  return jsonOk({ orderId: row.orderId, paymentType: row.paymentType, receipt: row.receipt, postAttempts: row.postAttempts });
}
