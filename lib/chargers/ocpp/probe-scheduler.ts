import { eq } from 'drizzle-orm';
import type { Clock } from '@/lib/clock';
import type { Db } from '@/lib/db/client';
import { errorMessage, type Logger } from '@/lib/logger';
import { probeConfiguration, type SendCall } from './configuration-probe';
import { ocppConfiguration } from './schema';

/**
 * When to probe a charger's configuration: after each BootNotification
 * (once the answer is out), and for a charger that connects without booting
 * (a reconnect, OCPP-J §5.4) only if we never probed it. One probe per
 * charger at a time.
 */
export interface ProbeScheduler {
  afterBoot(chargerId: string): void;
  afterConnect(chargerId: string): void;
  cancel(chargerId: string): void;
  stop(): void;
}

export function createProbeScheduler(deps: {
  db: Db;
  clock: Clock;
  logger: Logger;
  call(chargerId: string): SendCall;
  isConnected(chargerId: string): boolean;
  sampleIntervalSeconds: number;
  withoutBootDelayMs: number;
}): ProbeScheduler {
  const running = new Set<string>();
  const timers = new Map<string, NodeJS.Timeout>();
  let stopped = false;

  function cancel(chargerId: string) {
    const timer = timers.get(chargerId);
    if (timer) clearTimeout(timer);
    timers.delete(chargerId);
  }

  function probe(chargerId: string) {
    cancel(chargerId);
    if (stopped || running.has(chargerId) || !deps.isConnected(chargerId)) return;
    running.add(chargerId);
    probeConfiguration({ db: deps.db, clock: deps.clock, logger: deps.logger, call: deps.call(chargerId) }, chargerId, {
      sampleIntervalSeconds: deps.sampleIntervalSeconds,
    })
      .catch((error) => deps.logger.warn('configuration probe failed', { chargerId, error: errorMessage(error) }))
      .finally(() => running.delete(chargerId));
  }

  return {
    afterBoot: probe,
    afterConnect(chargerId) {
      cancel(chargerId);
      const timer = setTimeout(() => {
        timers.delete(chargerId);
        void (async () => {
          const known = await deps.db
            .select({ key: ocppConfiguration.key })
            .from(ocppConfiguration)
            .where(eq(ocppConfiguration.chargerId, chargerId))
            .limit(1);
          if (known.length === 0) probe(chargerId);
        })().catch(() => {});
      }, deps.withoutBootDelayMs);
      timer.unref();
      timers.set(chargerId, timer);
    },
    cancel,
    stop() {
      stopped = true;
      for (const chargerId of [...timers.keys()]) cancel(chargerId);
    },
  };
}
