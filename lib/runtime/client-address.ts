import type { IncomingMessage } from 'node:http';

/**
 * The header our own server sets on every request with the client's
 * address, overwriting anything the client sent under that name. Behind a
 * trusted reverse proxy the address is the first X-Forwarded-For entry.
 */
export const CLIENT_ADDRESS_HEADER = 'x-ev-client-address';

export function clientAddress(request: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return request.socket.remoteAddress ?? 'unknown';
}
