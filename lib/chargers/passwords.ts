import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * OCPP Basic-auth passwords (security profiles 1 and 2), stored as scrypt
 * hashes: "scrypt$N$r$p$salt$hash", base64url parts. Passwords may be binary
 * (the OCPP security whitepaper allows random keys), so they are Buffers.
 */

const N = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

function derive(password: Buffer, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_LENGTH, { N: n, r, p, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashChargerPassword(password: string | Buffer): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(Buffer.from(password), salt, N, R, P);
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyChargerPassword(password: string | Buffer | undefined, stored: string): Promise<boolean> {
  if (password === undefined) return false;
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(Buffer.from(password), Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A new random password for a charger: 20 bytes as 40 hex characters, as OCPP's AuthorizationKey. */
export function generateChargerPassword(): string {
  return randomBytes(20).toString('hex');
}
