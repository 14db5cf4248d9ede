import { emulatorOrNotFound, jsonError } from '@/app/_lib/http';

export const dynamic = 'force-dynamic';

// GET /api/dev/vipps/qr/{id}/scan – emulator mode only: what a phone camera opens after scanning a
// merchant-redirect code; it redirects to the code's current redirectUrl, as qr.vipps.no does.
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const found = emulatorOrNotFound();
  if ('response' in found) return found.response;
  const { id } = await params;
  const target = await found.emulator.qr.resolveScan(id);
  if (!target) return jsonError(404, `The QR code ${id} no longer exists.`);
  return new Response(null, { status: 302, headers: { location: target, 'cache-control': 'no-store' } });
}
