import { emulatorOrNotFound, jsonOk } from '@/app/_lib/http';

export const dynamic = 'force-dynamic';

// GET /api/dev/vipps/payments/{reference}/events – emulator mode only: the emulator's event log for a
// payment, in the shape of GET /epayment/v1/payments/{reference}/events.
export async function GET(_request: Request, { params }: { params: Promise<{ reference: string }> }) {
  const found = emulatorOrNotFound();
  if ('response' in found) return found.response;
  const { reference } = await params;
  const result = await found.emulator.ledger.getEvents(reference);
  return jsonOk(result.body, result.status);
}
