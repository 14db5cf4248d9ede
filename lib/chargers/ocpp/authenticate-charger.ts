import { eq } from 'drizzle-orm';
import type { Db } from '@/lib/db/client';
import { chargers } from '@/lib/db/schema';
import type { Logger } from '@/lib/logger';
import { verifyChargerPassword } from '../passwords';

export type Authentication = { ok: true; chargerId: string } | { ok: false; status: 400 | 401 | 404; message: string };

/**
 * Security profiles 1 and 2: HTTP Basic auth on the WebSocket upgrade, the
 * username being the charge point identity (ocpp-rpc checks that) and the
 * password this charger's own, compared with its stored scrypt hash.
 */
export async function authenticateCharger(
  deps: { db: Db; logger: Logger; endpoint: string },
  handshake: { identity: string; endpoint: string; protocols: Set<string>; password: Buffer | undefined; remoteAddress?: string },
): Promise<Authentication> {
  const { identity, remoteAddress } = handshake;
  if (handshake.endpoint !== deps.endpoint) return { ok: false, status: 404, message: 'Not found' };
  if (!handshake.protocols.has('ocpp1.6')) return { ok: false, status: 400, message: 'Subprotocol ocpp1.6 is required' };
  const [charger] = await deps.db.select({ id: chargers.id, passwordHash: chargers.passwordHash }).from(chargers).where(eq(chargers.id, identity));
  // An unknown identity gets 404, as OCPP-J §3.2 recommends.
  if (!charger) {
    deps.logger.warn('unknown charger tried to connect', { chargerId: identity, remoteAddress });
    return { ok: false, status: 404, message: 'Unknown charge point' };
  }
  if (!(await verifyChargerPassword(handshake.password, charger.passwordHash))) {
    deps.logger.warn('charger presented a wrong password', { chargerId: identity, remoteAddress });
    return { ok: false, status: 401, message: 'Unauthorized' };
  }
  return { ok: true, chargerId: charger.id };
}
