import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Vipps MobilePay webhook request authentication (HMAC-SHA256).
 *
 * string to sign = "POST\n{pathAndQuery}\n{x-ms-date};{host};{x-ms-content-sha256}"
 * signature      = base64(HMAC-SHA256(secret as UTF-8 text, string to sign))
 *
 * Host and path come from the URL we registered, not from the request we
 * see: behind a proxy those differ. The secret is used as text, not
 * base64-decoded, although it looks like base64 (the documented test vector
 * only reproduces that way).
 */

export type SignedWebhookHeaders = {
  'x-ms-date': string;
  'x-ms-content-sha256': string;
  authorization: string;
};

export function contentHash(rawBody: string | Buffer): string {
  return createHash('sha256').update(rawBody).digest('base64');
}

function stringToSign(url: URL, date: string, hash: string): string {
  return `POST\n${url.pathname}${url.search}\n${date};${url.host};${hash}`;
}

function hmac(secret: string, message: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(message, 'utf8').digest('base64');
}

/** Signs a delivery the way Vipps does (used by the emulator and by tests). */
export function signWebhook(secret: string, registeredUrl: string, rawBody: string, date: string): SignedWebhookHeaders {
  const url = new URL(registeredUrl);
  const hash = contentHash(rawBody);
  const signature = hmac(secret, stringToSign(url, date, hash));
  return {
    'x-ms-date': date,
    'x-ms-content-sha256': hash,
    authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
  };
}

export type WebhookVerification = { ok: true } | { ok: false; reason: string };

export function verifyWebhookSignature(input: {
  secret: string;
  registeredUrl: string;
  rawBody: string | Buffer;
  headers: { get(name: string): string | null };
}): WebhookVerification {
  const date = input.headers.get('x-ms-date');
  const claimedHash = input.headers.get('x-ms-content-sha256');
  const authorization = input.headers.get('authorization');
  if (!date || !claimedHash || !authorization) return { ok: false, reason: 'missing signature headers' };

  const actualHash = contentHash(input.rawBody);
  if (!constantTimeEqual(actualHash, claimedHash)) return { ok: false, reason: 'content hash does not match the body' };

  const url = new URL(input.registeredUrl);
  const expected = `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${hmac(
    input.secret,
    stringToSign(url, date, actualHash),
  )}`;
  if (!constantTimeEqual(expected, authorization)) return { ok: false, reason: 'signature does not match' };
  return { ok: true };
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  // timingSafeEqual needs equal lengths; compare against itself to keep the time flat.
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}
