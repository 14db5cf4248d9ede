import QRCode from 'qrcode';
import { DEFAULT_PNG_SIZE, type QrImageFormat, type QrRegistry } from './qr';

/**
 * The emulator's stand-in for the images qr.vipps.no hosts: a QR code that
 * encodes the emulated scan link (which redirects to the code's redirectUrl),
 * so a sticker printed from the demo works with any phone camera on the LAN.
 */

export interface QrImage {
  contentType: string;
  body: string | Buffer;
}

export const QR_IMAGE_SIZE = { min: 100, max: 2000 } as const;

export async function renderQrImage(
  qr: QrRegistry,
  input: { id: string; format: QrImageFormat; size?: number },
): Promise<QrImage | undefined> {
  // A deleted (or expired) code has no image: printed copies stop working.
  if ((await qr.resolveScan(input.id)) === undefined) return undefined;
  const text = qr.targetUrl(input.id);
  const width = input.size ?? DEFAULT_PNG_SIZE;
  if (input.format === 'svg') {
    return { contentType: 'image/svg+xml', body: await QRCode.toString(text, { type: 'svg', width, margin: 2, errorCorrectionLevel: 'M' }) };
  }
  return { contentType: 'image/png', body: await QRCode.toBuffer(text, { type: 'png', width, margin: 2, errorCorrectionLevel: 'M' }) };
}
