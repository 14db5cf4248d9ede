import type { VippsClient } from './client';
import { isVippsError } from './errors';
import { merchantRedirectQrSchema, type MerchantRedirectQr } from './types';

/**
 * QR API v1 merchant-redirect codes: one per charger, `id` = charger id,
 * pointing at our charger page. Printed stickers carry qr.vipps.no links, so
 * the code outlives any change of our URL (PUT moves the target) but dies
 * for good when deleted. No ttl: a sticker must not expire.
 */

export type QrFormat = 'svg' | 'png' | 'text';

const ACCEPT: Record<QrFormat, string> = { svg: 'image/svg+xml', png: 'image/png', text: 'text/targetUrl' };
export const QR_SIZE = { min: 100, max: 2000 } as const;
const QR_ID = /^[-_+%æøåÆØÅ\w\s]{1,128}$/;
/** Vipps' redirectUrl rule: https and a restricted character set (no ~ , ; * ' ( ) $). */
const QR_REDIRECT_URL = /^https:\/\/[\w.]+([\w#!:.?+=&%@\-/]+)?$/;

export function chargerQrRedirectUrl(publicBaseUrl: string, chargerId: string): string {
  return `${publicBaseUrl}/c/${encodeURIComponent(chargerId)}`;
}

/** Why Vipps would refuse this charger's QR, before asking it; undefined when fine. */
export function chargerQrProblem(chargerId: string, redirectUrl: string): string | undefined {
  if (!QR_ID.test(chargerId)) return `charger id ${chargerId} cannot be a QR id (1–128 letters, digits, - _ + % or spaces)`;
  if (!QR_REDIRECT_URL.test(redirectUrl) && !isLoopback(redirectUrl)) {
    return `${redirectUrl} is not a URL Vipps accepts for a QR code: it must be https (set PUBLIC_BASE_URL)`;
  }
  return undefined;
}

/** The emulator also takes http on localhost, so the local demo can print codes; Vipps does not. */
function isLoopback(url: string): boolean {
  return /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\//.test(url);
}

function formatOptions(format: QrFormat, size?: number): { accept: string; extraHeaders?: Record<string, string> } {
  if (size !== undefined && (!Number.isInteger(size) || size < QR_SIZE.min || size > QR_SIZE.max)) {
    throw new RangeError(`QR size must be an integer from ${QR_SIZE.min} to ${QR_SIZE.max} pixels`);
  }
  return { accept: ACCEPT[format], extraHeaders: size === undefined ? undefined : { Size: String(size) } };
}

const qrPath = (id: string) => `/qr/v1/merchant-redirect/${encodeURIComponent(id)}`;

/**
 * Makes sure the charger has its code pointing at its page: creates it, or
 * moves an existing one to the current URL (the printed code stays valid).
 * Idempotent; a concurrent create (409) is treated as "exists".
 */
export async function ensureChargerQr(
  client: VippsClient,
  input: { chargerId: string; publicBaseUrl: string; format?: QrFormat; size?: number },
): Promise<MerchantRedirectQr & { change: 'created' | 'updated' | 'unchanged' }> {
  const redirectUrl = chargerQrRedirectUrl(input.publicBaseUrl, input.chargerId);
  const problem = chargerQrProblem(input.chargerId, redirectUrl);
  if (problem) throw new Error(problem);
  const format = input.format ?? 'svg';
  const existing = await getChargerQr(client, input.chargerId, format, input.size);
  if (existing?.redirectUrl === redirectUrl) return { ...existing, change: 'unchanged' };
  if (!existing) {
    try {
      const response = await client.request({
        operation: 'create QR',
        method: 'POST',
        path: '/qr/v1/merchant-redirect',
        body: { id: input.chargerId, redirectUrl },
        ...formatOptions(format, input.size),
      });
      return { ...merchantRedirectQrSchema.parse(response.body), change: 'created' };
    } catch (error) {
      if (!isVippsError(error, 409)) throw error;
    }
  }
  const response = await client.request({
    operation: 'update QR',
    method: 'PUT',
    path: qrPath(input.chargerId),
    body: { redirectUrl },
    ...formatOptions(format, input.size),
  });
  return { ...merchantRedirectQrSchema.parse(response.body), change: 'updated' };
}

/** The charger's code: `url` is the image link (svg/png) or, for `text`, what the code encodes. */
export async function getChargerQr(
  client: VippsClient,
  chargerId: string,
  format: QrFormat = 'svg',
  size?: number,
): Promise<MerchantRedirectQr | undefined> {
  try {
    const response = await client.request({ operation: 'get QR', method: 'GET', path: qrPath(chargerId), ...formatOptions(format, size) });
    return merchantRedirectQrSchema.parse(response.body);
  } catch (error) {
    if (isVippsError(error, 404)) return undefined;
    throw error;
  }
}

export async function listQrs(client: VippsClient, format: QrFormat = 'svg'): Promise<MerchantRedirectQr[]> {
  const response = await client.request({ operation: 'list QRs', method: 'GET', path: '/qr/v1/merchant-redirect', ...formatOptions(format) });
  return merchantRedirectQrSchema.array().parse(response.body);
}

/** Deletes the charger's code. Printed stickers stop working for good. */
export async function deleteChargerQr(client: VippsClient, chargerId: string): Promise<'deleted' | 'not-found'> {
  try {
    await client.request({ operation: 'delete QR', method: 'DELETE', path: qrPath(chargerId), accept: ACCEPT.svg });
    return 'deleted';
  } catch (error) {
    if (isVippsError(error, 404)) return 'not-found';
    throw error;
  }
}
