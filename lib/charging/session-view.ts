import { eq } from 'drizzle-orm';
import type { Clock } from '@/lib/clock';
import type { DbOrTx } from '@/lib/db/client';
import { chargers, type ChargingSessionRow } from '@/lib/db/schema';
import { priceSession, type PriceLine, type SessionPrice } from '@/lib/pricing/price-session';
import { parseTariff, type Currency, type Tariff } from '@/lib/pricing/tariff';
import { getSessionByToken } from './queries';
import { isFinal, type SessionState } from './state-machine';

/**
 * What the driver's session page shows, as plain data (no rows, no secrets):
 * live energy and cost while charging, the receipt when done.
 */

export interface SessionView {
  state: SessionState;
  final: boolean;
  chargerId: string;
  chargerName: string;
  connectorId: number;
  currency: Currency;
  tariff: Tariff;
  reservedAmount: number;
  authorizedAmount: number | null;
  reference: string;
  /** Where to send the driver back to approve, while the payment is open. */
  paymentUrl: string | null;
  energyWh: number;
  powerW: number | null;
  /** Cost so far while charging; the final price afterwards. */
  cost: number;
  lines: PriceLine[];
  startedAt: string | null;
  stoppedAt: string | null;
  elapsedSeconds: number;
  capturedAmount: number;
  releasedAmount: number;
  receiptPosted: boolean;
  message: string | null;
}

function liveUsage(session: ChargingSessionRow, now: Date) {
  const start = session.meterStartWh;
  const last = session.meterStopWh ?? session.meterLastWh;
  const energyWh = start !== null && last !== null ? Math.max(0, last - start) : 0;
  const end = session.stoppedAt ?? now;
  const elapsedSeconds = session.startedAt ? Math.max(0, Math.round((end.getTime() - session.startedAt.getTime()) / 1000)) : 0;
  return { energyWh, elapsedSeconds };
}

export function toSessionView(session: ChargingSessionRow, chargerName: string, now: Date): SessionView {
  const tariff = parseTariff(session.tariff);
  const { energyWh, elapsedSeconds } = liveUsage(session, now);
  const finalPrice = session.price as SessionPrice | null;
  const price = finalPrice ?? priceSession(tariff, { energyWh, chargingSeconds: elapsedSeconds, idleSeconds: 0 });
  const state = session.state as SessionState;
  return {
    state,
    final: isFinal(state),
    chargerId: session.chargerId,
    chargerName,
    connectorId: session.connectorId,
    currency: tariff.currency,
    tariff,
    reservedAmount: session.reservedAmount,
    authorizedAmount: session.authorizedAmount,
    reference: session.reference,
    paymentUrl: state === 'PAYMENT_PENDING' ? session.redirectUrl : null,
    energyWh: session.energyWh ?? energyWh,
    powerW: state === 'CHARGING' ? session.powerW : null,
    cost: price.total,
    lines: price.lines,
    startedAt: session.startedAt?.toISOString() ?? null,
    stoppedAt: session.stoppedAt?.toISOString() ?? null,
    elapsedSeconds,
    capturedAmount: session.capturedAmount,
    releasedAmount: session.cancelledAmount,
    receiptPosted: session.receiptPostedAt !== null,
    message: session.failureReason,
  };
}

export async function getSessionViewByToken(db: DbOrTx, clock: Clock, token: string): Promise<SessionView | undefined> {
  const session = await getSessionByToken(db, token);
  return session ? sessionViewOf(db, clock, session) : undefined;
}

export async function sessionViewOf(db: DbOrTx, clock: Clock, session: ChargingSessionRow): Promise<SessionView> {
  const [charger] = await db.select({ name: chargers.name }).from(chargers).where(eq(chargers.id, session.chargerId));
  return toSessionView(session, charger?.name ?? session.chargerId, clock.now());
}
