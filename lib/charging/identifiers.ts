import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';

/**
 * The identifiers a session carries. The driver's token is a bearer
 * secret derived from the session id with a server key (HMAC), so a
 * repeated checkout request gets the same token back without the token
 * ever being stored: only its hash is. The Vipps reference and the OCPP
 * idTag are random, so none can be guessed from another.
 */

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function randomBase32(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += BASE32[byte % 32];
  return out;
}

export function newSessionId(): string {
  return randomUUID();
}

export function sessionTokenFor(key: Buffer, sessionId: string): string {
  return createHmac('sha256', key).update(`session-token:${sessionId}`).digest('base64url');
}

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A token's shape check before any database lookup. */
export function looksLikeSessionToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}

/** Vipps reference: [a-zA-Z0-9-]{8,50}, unique per merchant, never purely numeric. */
export function newPaymentReference(): string {
  return `ev-${randomBase32(20).toLowerCase()}`;
}

/** A one-time OCPP idTag (CiString20) tying a StartTransaction to this paid session. */
export function newIdTag(): string {
  return `P${randomBase32(19)}`;
}
