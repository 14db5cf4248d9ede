import { z } from 'zod';
import { emulatorOrNotFound, jsonError } from '@/app/_lib/http';
import { QR_IMAGE_SIZE, renderQrImage } from '@/lib/payments/vipps/emulator/qr-image';

export const dynamic = 'force-dynamic';

const query = z.object({
  format: z.enum(['svg', 'png']).default('svg'),
  size: z.coerce.number().int().min(QR_IMAGE_SIZE.min).max(QR_IMAGE_SIZE.max).optional(),
});

// GET /api/dev/vipps/qr/{id}/image?format=svg|png&size=… – emulator mode only: the image of a
// merchant-redirect QR code (qr.vipps.no's job in reality), encoding the emulated scan link.
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const found = emulatorOrNotFound();
  if ('response' in found) return found.response;
  const parsed = query.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) return jsonError(400, `format must be svg or png, size ${QR_IMAGE_SIZE.min}–${QR_IMAGE_SIZE.max}.`);
  const { id } = await params;
  const image = await renderQrImage(found.emulator.qr, { id, ...parsed.data });
  if (!image) return jsonError(404, `No QR code ${id}.`);
  const body = typeof image.body === 'string' ? image.body : new Uint8Array(image.body);
  return new Response(body, { headers: { 'content-type': image.contentType, 'cache-control': 'no-store' } });
}
