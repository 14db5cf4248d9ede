import { and, asc, eq, gt, inArray, lt, sql } from 'drizzle-orm';
import type { Clock } from '@/lib/clock';
import type { Database, Db } from '@/lib/db/client';
import { errorMessage, type Logger } from '@/lib/logger';
import { ChargerCommandError, ChargerOfflineError } from '../charger-control';
import { ocppCommands, type OcppCommandRow } from './schema';

/**
 * Commands for chargers whose socket is on another app instance, through
 * Postgres: the sender inserts a row and NOTIFYs; the instance holding the
 * socket claims the row (FOR UPDATE SKIP LOCKED), sends the call, writes
 * the answer and NOTIFYs back. Both sides also poll, so a lost
 * notification only costs latency.
 */

export const COMMANDS_CHANNEL = 'ocpp_commands';
export const COMMAND_RESULTS_CHANNEL = 'ocpp_command_results';

export interface CommandRelayDeps {
  db: Db;
  listen: Database['listen'];
  clock: Clock;
  logger: Logger;
  instanceId: string;
  /** How long a command may wait for the owning instance to pick it up. */
  claimTimeoutMs: number;
  /** How long the owner waits for the charger's answer. */
  callTimeoutMs: number;
  pollIntervalMs: number;
  /** Whether the charger's socket is on this instance (only then may this instance claim its commands). */
  isLocal(chargerId: string): boolean;
  /** Sends the call on a socket of this instance; undefined when the charger is not connected here. */
  callLocal(chargerId: string, method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> | undefined;
}

export interface CommandRelay {
  start(): Promise<void>;
  send(chargerId: string, method: string, params: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Claims and runs the pending commands for these chargers (held here). */
  runPending(chargerIds: string[]): Promise<void>;
  stop(): Promise<void>;
}

export function createCommandRelay(deps: CommandRelayDeps): CommandRelay {
  const { db, clock, logger, instanceId } = deps;
  const waiters = new Map<number, () => void>();
  const unsubscribers: Array<() => Promise<void>> = [];
  let stopped = false;

  async function notify(channel: string, payload: string) {
    await db.execute(sql`select pg_notify(${channel}, ${payload})`);
  }

  async function claimNext(chargerId: string): Promise<OcppCommandRow | undefined> {
    const now = clock.now();
    const next = db
      .select({ id: ocppCommands.id })
      .from(ocppCommands)
      .where(and(eq(ocppCommands.chargerId, chargerId), eq(ocppCommands.status, 'pending'), gt(ocppCommands.expiresAt, now)))
      .orderBy(asc(ocppCommands.id))
      .limit(1)
      .for('update', { skipLocked: true });
    const [claimed] = await db
      .update(ocppCommands)
      .set({ status: 'running', claimedBy: instanceId })
      .where(inArray(ocppCommands.id, next))
      .returning();
    return claimed;
  }

  async function execute(command: OcppCommandRow) {
    const finish = (set: Partial<typeof ocppCommands.$inferInsert>) =>
      db
        .update(ocppCommands)
        .set({ ...set, completedAt: clock.now() })
        .where(eq(ocppCommands.id, command.id));
    try {
      const call = deps.callLocal(command.chargerId, command.method, command.params);
      if (!call) {
        await finish({ status: 'failed', errorKind: 'offline', error: 'the charger is not connected here any more' });
      } else {
        await finish({ status: 'done', result: await call });
      }
    } catch (error) {
      const kind = error instanceof ChargerOfflineError ? 'offline' : 'command';
      await finish({ status: 'failed', errorKind: kind, error: errorMessage(error).slice(0, 2000) });
    }
    await notify(COMMAND_RESULTS_CHANNEL, String(command.id));
  }

  async function runPendingFor(chargerId: string) {
    for (let command = await claimNext(chargerId); command; command = await claimNext(chargerId)) {
      await execute(command);
    }
  }

  async function runPending(candidates: string[]) {
    const chargerIds = candidates.filter((id) => deps.isLocal(id));
    if (chargerIds.length === 0) return;
    const pending = await db
      .selectDistinct({ chargerId: ocppCommands.chargerId })
      .from(ocppCommands)
      .where(and(inArray(ocppCommands.chargerId, chargerIds), eq(ocppCommands.status, 'pending')));
    await Promise.all(pending.map((p) => runPendingFor(p.chargerId)));
  }

  function sleepOrWake(commandId: number, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        waiters.delete(commandId);
        resolve();
      }
      waiters.set(commandId, done);
    });
  }

  return {
    async start() {
      unsubscribers.push(
        await deps.listen(COMMANDS_CHANNEL, (chargerId) => {
          if (stopped) return;
          runPending([chargerId]).catch((error) => logger.error('relayed command failed', { chargerId, error: errorMessage(error) }));
        }),
        await deps.listen(COMMAND_RESULTS_CHANNEL, (id) => waiters.get(Number(id))?.()),
      );
    },

    async send(chargerId, method, params) {
      const now = clock.now();
      const [command] = await db
        .insert(ocppCommands)
        .values({
          chargerId,
          method,
          params,
          status: 'pending',
          requestedBy: instanceId,
          createdAt: now,
          expiresAt: new Date(now.getTime() + deps.claimTimeoutMs),
        })
        .returning({ id: ocppCommands.id });
      const id = command!.id;
      await notify(COMMANDS_CHANNEL, chargerId);

      const claimDeadline = Date.now() + deps.claimTimeoutMs;
      const answerDeadline = claimDeadline + deps.callTimeoutMs + deps.pollIntervalMs;
      for (;;) {
        if (stopped) throw new ChargerCommandError(`${method} to ${chargerId}: the central system is shutting down`);
        const [row] = await db.select().from(ocppCommands).where(eq(ocppCommands.id, id));
        if (row?.status === 'done') return row.result ?? {};
        if (row?.status === 'failed') {
          if (row.errorKind === 'offline') throw new ChargerOfflineError(chargerId);
          throw new ChargerCommandError(row.error ?? `${method} to ${chargerId} failed`);
        }
        if (row?.status === 'pending' && Date.now() > claimDeadline) {
          // Expired rows are never picked up later, so the charger cannot act on a command nobody waits for.
          const expired = await db
            .update(ocppCommands)
            .set({ status: 'expired', completedAt: clock.now() })
            .where(and(eq(ocppCommands.id, id), eq(ocppCommands.status, 'pending')))
            .returning({ id: ocppCommands.id });
          if (expired.length > 0) throw new ChargerOfflineError(chargerId);
          continue;
        }
        if (Date.now() > answerDeadline) throw new ChargerCommandError(`${method} to ${chargerId}: no answer in time`);
        await sleepOrWake(id, deps.pollIntervalMs);
      }
    },

    runPending,

    async stop() {
      stopped = true;
      for (const wake of [...waiters.values()]) wake();
      await Promise.all(unsubscribers.splice(0).map((u) => u().catch(() => {})));
    },
  };
}

/** Old commands are only history; keeps the table small. */
export async function pruneCommands(db: Db, before: Date): Promise<void> {
  await db.delete(ocppCommands).where(lt(ocppCommands.createdAt, before));
}
