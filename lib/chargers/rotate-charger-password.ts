import { eq } from 'drizzle-orm';
import type { Db } from '@/lib/db/client';
import { chargers } from '@/lib/db/schema';
import type { ChargerAdmin } from './charger-control';
import { generateChargerPassword, hashChargerPassword } from './passwords';

export class UnknownChargerError extends Error {
  override name = 'UnknownChargerError';
  constructor(readonly chargerId: string) {
    super(`there is no charger ${chargerId}`);
  }
}

export class PasswordNotAcceptedError extends Error {
  override name = 'PasswordNotAcceptedError';
}

/**
 * Gives a charger a new Basic-auth password (40 hex characters, OCPP's
 * AuthorizationKey) and returns it; only its hash is stored.
 *
 * Without `deliverTo` the old password stops working at once: for an
 * operator who types the new one into the charger's own set-up page. With
 * `deliverTo` the charger is told first (ChangeConfiguration
 * AuthorizationKey, OCPP 1.6 security profile 1/2), and the new password
 * is stored only once the charger accepted it, so a charger that refuses
 * it is not locked out; it reconnects with the new key.
 */
export async function rotateChargerPassword(db: Db, chargerId: string, options: { deliverTo?: ChargerAdmin } = {}): Promise<string> {
  const [charger] = await db.select({ id: chargers.id }).from(chargers).where(eq(chargers.id, chargerId));
  if (!charger) throw new UnknownChargerError(chargerId);
  const password = generateChargerPassword();
  const passwordHash = await hashChargerPassword(password);
  if (options.deliverTo) {
    const answer = await options.deliverTo.changeConfiguration({ chargerId, key: 'AuthorizationKey', value: password });
    if (answer !== 'Accepted') throw new PasswordNotAcceptedError(`${chargerId} answered ${answer} to the new AuthorizationKey`);
  }
  await db.update(chargers).set({ passwordHash }).where(eq(chargers.id, chargerId));
  return password;
}
