import { eq, isNull, lte, or } from 'drizzle-orm';
import { chargers, connectors } from '@/lib/db/schema';
import { integerParam, type InboundDeps, type OcppParams } from './inbound-deps';
import { parseOcppTimestamp } from './meter-values';

/**
 * BootNotification, Heartbeat, StatusNotification, Authorize and the
 * messages we only acknowledge. None of them is required before the
 * others: a charger that reconnects does not boot again (OCPP-J §5.4).
 */

export const HEARTBEAT_INTERVAL_SECONDS = 300;

export type CoreHandlers = Record<string, (params: OcppParams) => Promise<Record<string, unknown>>>;

export function coreMessageHandlers(deps: InboundDeps & { onBoot(chargerId: string): void }, chargerId: string): CoreHandlers {
  const { db, clock, sink } = deps;

  async function touch() {
    await db.update(chargers).set({ lastSeenAt: clock.now() }).where(eq(chargers.id, chargerId));
  }

  return {
    async BootNotification(params) {
      await db.update(chargers).set({ bootInfo: params, lastSeenAt: clock.now() }).where(eq(chargers.id, chargerId));
      // The configuration probe talks to the charger, which must have our answer first.
      setImmediate(() => deps.onBoot(chargerId));
      return { status: 'Accepted', currentTime: clock.now().toISOString(), interval: HEARTBEAT_INTERVAL_SECONDS };
    },

    async Heartbeat() {
      await touch();
      return { currentTime: clock.now().toISOString() };
    },

    async StatusNotification(params) {
      const connectorId = integerParam(params.connectorId);
      const status = typeof params.status === 'string' ? params.status : 'Unavailable';
      const errorCode = typeof params.errorCode === 'string' ? params.errorCode : 'NoError';
      const at = parseOcppTimestamp(params.timestamp, clock.now());
      await touch();
      // Connector 0 is the charger as a whole; the page shows connectors, so it is only logged.
      if (connectorId === undefined || connectorId < 1) {
        if (status !== 'Available') deps.logger.info('charger reports a whole-charger status', { chargerId, status, errorCode });
        return {};
      }
      // A status queued while offline may arrive after a newer one: only a newer status replaces the shown one.
      const stored = await db
        .insert(connectors)
        .values({ chargerId, connectorId, status, errorCode, statusAt: at })
        .onConflictDoUpdate({
          target: [connectors.chargerId, connectors.connectorId],
          set: { status, errorCode, statusAt: at },
          setWhere: or(isNull(connectors.statusAt), lte(connectors.statusAt, at)),
        })
        .returning({ status: connectors.status });
      if (stored.length > 0) await sink.connectorStatus({ chargerId, connectorId, status, errorCode, at });
      return {};
    },

    async Authorize(params) {
      const idTag = typeof params.idTag === 'string' ? params.idTag : '';
      const status = await sink.authorizeStart({ chargerId, connectorId: 0, idTag });
      return { idTagInfo: { status } };
    },

    async DataTransfer() {
      return { status: 'UnknownVendorId' };
    },
    async DiagnosticsStatusNotification() {
      return {};
    },
    async FirmwareStatusNotification() {
      return {};
    },
  };
}
