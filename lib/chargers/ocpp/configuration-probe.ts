import { and, eq, inArray } from 'drizzle-orm';
import type { Clock } from '@/lib/clock';
import type { Db } from '@/lib/db/client';
import { errorMessage, type Logger } from '@/lib/logger';
import { ocppConfiguration } from './schema';

/**
 * After a BootNotification the central system reads the charger's
 * configuration and sets what the checkout relies on, keeping whatever the
 * charger accepted (a charger may refuse a measurand or a key):
 *
 * - MeterValueSampleInterval: at most `sampleIntervalSeconds`, so the
 *   budget guard sees energy in time; a charger that already samples more
 *   often keeps its faster interval.
 * - MeterValuesSampledData: the energy register plus active power (power
 *   shows the driver what is happening); energy alone if power is refused.
 * - StopTransactionOnInvalidId=true: a charger started with a tag we
 *   answered Invalid (a spent or unknown one) stops instead of charging for free.
 * - AllowOfflineTxForUnknownId=false, where the charger has it: no free
 *   charging for unknown tags while the charger is offline.
 */

export type SendCall = (method: string, params: Record<string, unknown>) => Promise<Record<string, unknown>>;

export interface ProbeSettings {
  sampleIntervalSeconds: number;
}

interface ReportedKey {
  value: string | undefined;
  readonly: boolean;
}

const ENERGY = 'Energy.Active.Import.Register';
const POWER = 'Power.Active.Import';

interface DesiredChange {
  key: string;
  /** Values to try in order; the first one the charger accepts is kept. */
  values: string[];
  /** Whether the reported value already does (then nothing is sent). */
  satisfiedBy(value: string | undefined): boolean;
  /** Only change the key when the charger reported it (optional keys). */
  onlyIfReported?: boolean;
}

function desiredChanges(settings: ProbeSettings): DesiredChange[] {
  const interval = settings.sampleIntervalSeconds;
  const measurands = (value: string | undefined) => new Set((value ?? '').split(',').map((m) => m.trim()));
  return [
    {
      key: 'MeterValueSampleInterval',
      values: [String(interval)],
      satisfiedBy: (v) => v !== undefined && /^\d+$/.test(v.trim()) && Number(v) > 0 && Number(v) <= interval,
    },
    {
      key: 'MeterValuesSampledData',
      values: [`${ENERGY},${POWER}`, ENERGY],
      satisfiedBy: (v) => measurands(v).has(ENERGY) && measurands(v).has(POWER),
    },
    { key: 'StopTransactionOnInvalidId', values: ['true'], satisfiedBy: (v) => v?.trim().toLowerCase() === 'true' },
    {
      key: 'AllowOfflineTxForUnknownId',
      values: ['false'],
      satisfiedBy: (v) => v?.trim().toLowerCase() !== 'true',
      onlyIfReported: true,
    },
  ];
}

export async function probeConfiguration(
  deps: { db: Db; clock: Clock; logger: Logger; call: SendCall },
  chargerId: string,
  settings: ProbeSettings,
): Promise<void> {
  const { db, clock, logger, call } = deps;
  const reported = new Map<string, ReportedKey>();
  const unknown = new Set<string>();
  let readAll = false;
  try {
    const answer = await call('GetConfiguration', {});
    for (const entry of Array.isArray(answer.configurationKey) ? answer.configurationKey : []) {
      const { key, value, readonly } = (entry ?? {}) as { key?: unknown; value?: unknown; readonly?: unknown };
      if (typeof key !== 'string') continue;
      reported.set(key, { value: typeof value === 'string' ? value : undefined, readonly: readonly === true });
    }
    for (const key of Array.isArray(answer.unknownKey) ? answer.unknownKey : []) if (typeof key === 'string') unknown.add(key);
    readAll = true;
  } catch (error) {
    // Some chargers answer GetConfiguration badly; the changes below are still worth trying.
    logger.warn('GetConfiguration failed; setting the configuration without reading it', { chargerId, error: errorMessage(error) });
  }
  const now = clock.now();
  for (const [key, { value, readonly }] of reported) {
    await db
      .insert(ocppConfiguration)
      .values({ chargerId, key, value: value ?? null, readonly, updatedAt: now })
      .onConflictDoUpdate({
        target: [ocppConfiguration.chargerId, ocppConfiguration.key],
        set: { value: value ?? null, readonly, updatedAt: now },
      });
  }

  for (const change of desiredChanges(settings)) {
    const current = reported.get(change.key);
    if (current?.readonly || unknown.has(change.key)) continue;
    if (change.onlyIfReported && (!readAll || !current)) continue;
    if (current && change.satisfiedBy(current.value)) continue;
    for (const value of change.values) {
      let status: string;
      try {
        const answer = await call('ChangeConfiguration', { key: change.key, value });
        status = typeof answer.status === 'string' ? answer.status : 'Rejected';
      } catch (error) {
        logger.warn('ChangeConfiguration failed', { chargerId, key: change.key, error: errorMessage(error) });
        status = 'Failed';
      }
      const accepted = status === 'Accepted';
      await db
        .insert(ocppConfiguration)
        .values({
          chargerId,
          key: change.key,
          value: accepted ? value : (current?.value ?? null),
          readonly: false,
          changeStatus: status,
          requestedValue: value,
          updatedAt: clock.now(),
        })
        .onConflictDoUpdate({
          target: [ocppConfiguration.chargerId, ocppConfiguration.key],
          set: { ...(accepted ? { value } : {}), changeStatus: status, requestedValue: value, updatedAt: clock.now() },
        });
      if (accepted || status === 'RebootRequired') break;
    }
  }
  logger.info('charger configuration probed', { chargerId });
}

/** What we know of the charger's configuration, for the keys asked (all when none). */
export async function getStoredConfiguration(db: Db, chargerId: string, keys?: string[]): Promise<Map<string, string | null>> {
  const rows = await db
    .select({ key: ocppConfiguration.key, value: ocppConfiguration.value })
    .from(ocppConfiguration)
    .where(and(eq(ocppConfiguration.chargerId, chargerId), keys ? inArray(ocppConfiguration.key, keys) : undefined));
  return new Map(rows.map((r) => [r.key, r.value]));
}
