import { and, desc, eq, isNotNull } from 'drizzle-orm';
import { getStoredConfiguration } from '@/lib/chargers/ocpp/configuration-probe';
import { chargers, meterSamples, type ChargingSessionRow } from '@/lib/db/schema';
import { errorMessage } from '@/lib/logger';
import { parseTariff } from '@/lib/pricing/tariff';
import { projectBudget } from './budget-guard';
import { dispatchDeps, type ChargingDeps } from './deps';
import { dispatch } from './dispatch';

/**
 * Applies the budget guard to a charging session: on every meter reading
 * and on a timer (a silent charger is the riskiest one). When the next
 * chance to stop would come too late, it asks the charger for a fresh
 * reading and stops it.
 */
export async function enforceBudget(deps: ChargingDeps, session: ChargingSessionRow): Promise<'charging' | 'stopping'> {
  const { db, clock, chargers: control, logger, settings } = deps;
  if (session.state !== 'CHARGING' || session.meterStartWh === null || session.authorizedAmount === null || !session.startedAt) {
    return 'charging';
  }
  const [charger] = await db.select({ maxPowerW: chargers.maxPowerW }).from(chargers).where(eq(chargers.id, session.chargerId));
  const recent =
    session.transactionId === null
      ? []
      : await db
          .select({ at: meterSamples.sampledAt, energyWh: meterSamples.energyWh })
          .from(meterSamples)
          .where(
            and(
              eq(meterSamples.chargerId, session.chargerId),
              eq(meterSamples.transactionId, session.transactionId),
              isNotNull(meterSamples.energyWh),
            ),
          )
          .orderBy(desc(meterSamples.sampledAt))
          .limit(2);
  const [latest, previous] = recent;
  const measuredInterval = latest && previous ? (latest.at.getTime() - previous.at.getTime()) / 1000 : undefined;
  const recentAveragePowerW =
    latest && previous && measuredInterval && measuredInterval > 0
      ? ((latest.energyWh! - previous.energyWh!) * 3600) / measuredInterval
      : null;
  // The interval the charger accepted at its configuration probe; until one is known, the default.
  const configured = Number((await getStoredConfiguration(db, session.chargerId, ['MeterValueSampleInterval'])).get('MeterValueSampleInterval'));
  const sampleIntervalSeconds = Number.isInteger(configured) && configured > 0 ? configured : settings.defaultSampleIntervalSeconds;

  const projection = projectBudget({
    tariff: parseTariff(session.tariff),
    authorized: session.authorizedAmount,
    meterStartWh: session.meterStartWh,
    lastRegisterWh: session.meterLastWh ?? session.meterStartWh,
    lastReadingAt: session.meterLastAt ?? session.startedAt,
    startedAt: session.startedAt,
    now: clock.now(),
    reportedPowerW: session.powerW,
    recentAveragePowerW,
    maxPowerW: charger?.maxPowerW ?? 22_000,
    sampleIntervalSeconds,
    stopLatencySeconds: settings.stopLatencySeconds,
  });

  const askForReading = () =>
    control
      .requestMeterValues({ chargerId: session.chargerId, connectorId: session.connectorId })
      .catch((error) => logger.debug('could not ask for a meter reading', { sessionId: session.id, error: errorMessage(error) }));

  if (!projection.stop) {
    if (projection.stale) void askForReading();
    return 'charging';
  }
  logger.info('budget guard stops the session before it reaches the reservation', {
    sessionId: session.id,
    projectedCost: projection.projectedCost,
    authorized: session.authorizedAmount,
  });
  // A fresh reading first, so the final figures are as close as possible; the stop does not wait for it.
  void askForReading();
  await dispatch(dispatchDeps(deps), session.id, { type: 'STOP_REQUESTED', by: 'budget' });
  return 'stopping';
}
