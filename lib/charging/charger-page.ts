import type { Clock } from '@/lib/clock';
import type { DbOrTx } from '@/lib/db/client';
import type { Tariff } from '@/lib/pricing/tariff';
import { connectorAvailability, availabilityMessage, type Availability } from './availability';
import { getChargerWithTariff, getLatestPendingSessionOnConnector, getLiveSessionOnConnector, getSessionByToken } from './queries';
import { reservationOptions, type ReservationOptions } from './reservation';
import { isFinal } from './state-machine';

/** What the QR landing page /c/{chargerId} shows before anything is paid. */
export interface ChargerPageView {
  chargerId: string;
  chargerName: string;
  siteName: string;
  country: string;
  connectorId: number;
  connectorStatus: string;
  online: boolean;
  availability: Availability;
  availabilityMessage: string;
  tariff: Tariff;
  reservation: ReservationOptions;
  /** This browser's own session on this charger, if it has one that is not over. */
  ownSession: { token: string; state: string } | undefined;
}

export async function getChargerPageView(
  deps: { db: DbOrTx; clock: Clock; pendingHoldSeconds: number },
  chargerId: string,
  browserSessionToken: string | undefined,
): Promise<ChargerPageView | undefined> {
  const found = await getChargerWithTariff(deps.db, chargerId);
  if (!found) return undefined;
  const { charger, site, tariff } = found;
  const connector = found.connectors[0];
  const connectorId = connector?.connectorId ?? 1;
  const [live, pending, own] = await Promise.all([
    getLiveSessionOnConnector(deps.db, charger.id, connectorId),
    getLatestPendingSessionOnConnector(deps.db, charger.id, connectorId),
    browserSessionToken ? getSessionByToken(deps.db, browserSessionToken) : undefined,
  ]);
  const availability = connectorAvailability({
    charger,
    connector,
    liveSession: live,
    pendingSession: pending,
    now: deps.clock.now(),
    pendingHoldSeconds: deps.pendingHoldSeconds,
  });
  const ownIsHere = own && own.chargerId === charger.id && !isFinal(own.state as never);
  return {
    chargerId: charger.id,
    chargerName: charger.name,
    siteName: site.name,
    country: site.country,
    connectorId,
    connectorStatus: charger.online ? (connector?.status ?? 'Unknown') : 'Offline',
    online: charger.online,
    availability,
    availabilityMessage: availabilityMessage(availability),
    tariff,
    reservation: reservationOptions(tariff.currency),
    ownSession: ownIsHere && browserSessionToken ? { token: browserSessionToken, state: own.state } : undefined,
  };
}
