import { emulatorOrNotFound, jsonError, jsonOk } from '@/app/_lib/http';

// POST /api/dev/vipps/payments/{reference}/approve – emulator mode only: the user approves in the app.
export async function POST(_request: Request, { params }: { params: Promise<{ reference: string }> }) {
  const found = emulatorOrNotFound();
  if ('response' in found) return found.response;
  const { reference } = await params;
  const result = await found.emulator.ledger.approve({ reference });
  if (!result.ok) return jsonError(result.payment ? 409 : 404, result.reason);
  return jsonOk(found.emulator.ledger.paymentView(result.payment));
}
