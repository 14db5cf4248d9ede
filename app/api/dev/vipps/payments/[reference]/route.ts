import { emulatorOrNotFound, jsonOk } from '@/app/_lib/http';

export const dynamic = 'force-dynamic';

// GET /api/dev/vipps/payments/{reference} – emulator mode only: the emulator's ledger view of a
// payment, in the shape of GET /epayment/v1/payments/{reference}.
export async function GET(_request: Request, { params }: { params: Promise<{ reference: string }> }) {
  const found = emulatorOrNotFound();
  if ('response' in found) return found.response;
  const { reference } = await params;
  const result = await found.emulator.ledger.getPayment(reference);
  return jsonOk(result.body, result.status);
}
