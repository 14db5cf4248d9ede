import { hostname } from 'node:os';
import { and, eq, gt, inArray, lte, ne, notExists, notInArray, or, sql } from 'drizzle-orm';
import type { Clock } from '@/lib/clock';
import type { Db, Tx } from '@/lib/db/client';
import { chargers } from '@/lib/db/schema';
import { ocppConnections, ocppInstances } from './schema';

/**
 * Which app instance holds which charger's socket, kept in the database so
 * every instance (and the engine, through `chargers.online`) agrees.
 *
 * Each instance renews a lease; an instance that crashes stops renewing,
 * and the next sweep by any other instance takes its chargers offline.
 * Every change to one charger's connection locks its `chargers` row first,
 * so a reconnect on instance B and the late close of the old socket on
 * instance A cannot leave the flag wrong whichever commits first.
 */

export interface ConnectionRegistry {
  readonly instanceId: string;
  /** Registers this instance. `exclusive`: nobody else uses this database (PGlite), so every other row is stale. */
  start(options: { exclusive: boolean }): Promise<void>;
  /** Extends the lease, and re-claims sockets in `localChargerIds` that a sweep took away while this instance stalled. */
  renew(localChargerIds: string[]): Promise<string[]>;
  connected(chargerId: string, remoteAddress: string | undefined): Promise<void>;
  /** Returns true when the charger went offline (no other instance holds it now). */
  disconnected(chargerId: string): Promise<boolean>;
  /** Takes offline every charger whose instance's lease ran out; returns their ids. */
  sweep(): Promise<string[]>;
  /** The live instance holding the charger's socket, if any. */
  ownerOf(chargerId: string): Promise<string | undefined>;
  /** Chargers held by other live instances. */
  heldElsewhere(): Promise<Set<string>>;
  /** Graceful shutdown: this instance's chargers go offline at once; returns their ids. */
  stop(): Promise<string[]>;
}

export function createConnectionRegistry(deps: { db: Db; clock: Clock; instanceId: string; leaseSeconds: number }): ConnectionRegistry {
  const { db, clock, instanceId } = deps;
  const leaseUntil = () => new Date(clock.now().getTime() + deps.leaseSeconds * 1000);

  async function lockCharger(tx: Tx, chargerId: string) {
    await tx.select({ id: chargers.id }).from(chargers).where(eq(chargers.id, chargerId)).for('update');
  }

  /** Offline exactly when no connection row is left; runs after the rows were locked, so it sees committed reconnects. */
  async function markOfflineIfUnheld(tx: Tx, chargerIds: string[]): Promise<string[]> {
    if (chargerIds.length === 0) return [];
    const rows = await tx
      .update(chargers)
      .set({ online: false })
      .where(
        and(
          inArray(chargers.id, chargerIds),
          eq(chargers.online, true),
          notExists(tx.select({ one: sql`1` }).from(ocppConnections).where(eq(ocppConnections.chargerId, chargers.id))),
        ),
      )
      .returning({ id: chargers.id });
    return rows.map((r) => r.id);
  }

  async function register() {
    const now = clock.now();
    await db
      .insert(ocppInstances)
      .values({ id: instanceId, hostname: hostname(), startedAt: now, leaseUntil: leaseUntil() })
      .onConflictDoUpdate({ target: ocppInstances.id, set: { leaseUntil: leaseUntil() } });
  }

  async function disconnected(chargerId: string): Promise<boolean> {
    return db.transaction(async (tx) => {
      await lockCharger(tx, chargerId);
      await tx
        .delete(ocppConnections)
        .where(and(eq(ocppConnections.chargerId, chargerId), eq(ocppConnections.instanceId, instanceId)));
      await tx.update(chargers).set({ lastSeenAt: clock.now() }).where(eq(chargers.id, chargerId));
      return (await markOfflineIfUnheld(tx, [chargerId])).length > 0;
    });
  }

  async function claim(tx: Tx, chargerId: string, remoteAddress: string | undefined) {
    const now = clock.now();
    await tx
      .insert(ocppConnections)
      .values({ chargerId, instanceId, connectedAt: now, remoteAddress: remoteAddress ?? null })
      .onConflictDoUpdate({ target: ocppConnections.chargerId, set: { instanceId, connectedAt: now, remoteAddress: remoteAddress ?? null } });
    await tx.update(chargers).set({ online: true, lastSeenAt: now }).where(eq(chargers.id, chargerId));
  }

  return {
    instanceId,

    async start({ exclusive }) {
      if (exclusive) {
        // A single process that is only starting: nobody can be connected yet.
        await db.delete(ocppConnections);
        await db.delete(ocppInstances);
      }
      await register();
    },

    async renew(localChargerIds) {
      const renewed = await db
        .update(ocppInstances)
        .set({ leaseUntil: leaseUntil() })
        .where(eq(ocppInstances.id, instanceId))
        .returning({ id: ocppInstances.id });
      if (renewed.length === 0) await register();
      if (localChargerIds.length === 0) return [];
      // Swept while stalled (a long GC pause, a frozen VM): claim our live sockets again, unless the charger has
      // meanwhile connected to another instance (then our socket is the stale one and will be closed by its pings).
      const held = await db
        .select({ chargerId: ocppConnections.chargerId })
        .from(ocppConnections)
        .where(inArray(ocppConnections.chargerId, localChargerIds));
      const heldIds = new Set(held.map((r) => r.chargerId));
      const reclaimed: string[] = [];
      for (const chargerId of localChargerIds.filter((id) => !heldIds.has(id))) {
        await db.transaction(async (tx) => {
          await lockCharger(tx, chargerId);
          const [other] = await tx.select().from(ocppConnections).where(eq(ocppConnections.chargerId, chargerId));
          if (other) return;
          await claim(tx, chargerId, undefined);
          reclaimed.push(chargerId);
        });
      }
      return reclaimed;
    },

    async connected(chargerId, remoteAddress) {
      await db.transaction(async (tx) => {
        await lockCharger(tx, chargerId);
        await claim(tx, chargerId, remoteAddress);
      });
    },

    disconnected,

    async sweep() {
      const now = clock.now();
      const liveInstances = db.select({ id: ocppInstances.id }).from(ocppInstances).where(gt(ocppInstances.leaseUntil, now));
      await db
        .delete(ocppConnections)
        .where(and(ne(ocppConnections.instanceId, instanceId), notInArray(ocppConnections.instanceId, liveInstances)));
      // Rows of instances that died long ago are only clutter.
      await db
        .delete(ocppInstances)
        .where(and(ne(ocppInstances.id, instanceId), lte(ocppInstances.leaseUntil, new Date(now.getTime() - 3600_000))));
      // Also catches a flag left on by a process that never had a connection row (a crash between writes, an old version).
      const candidates = await db
        .select({ id: chargers.id })
        .from(chargers)
        .where(
          and(
            eq(chargers.online, true),
            notExists(db.select({ one: sql`1` }).from(ocppConnections).where(eq(ocppConnections.chargerId, chargers.id))),
          ),
        );
      if (candidates.length === 0) return [];
      return db.transaction(async (tx) => {
        const ids = candidates.map((c) => c.id);
        await tx.select({ id: chargers.id }).from(chargers).where(inArray(chargers.id, ids)).orderBy(chargers.id).for('update');
        return markOfflineIfUnheld(tx, ids);
      });
    },

    async ownerOf(chargerId) {
      const [row] = await db
        .select({ instanceId: ocppConnections.instanceId })
        .from(ocppConnections)
        .innerJoin(ocppInstances, eq(ocppInstances.id, ocppConnections.instanceId))
        .where(
          and(
            eq(ocppConnections.chargerId, chargerId),
            or(eq(ocppInstances.id, instanceId), gt(ocppInstances.leaseUntil, clock.now())),
          ),
        );
      return row?.instanceId;
    },

    async heldElsewhere() {
      const rows = await db
        .select({ chargerId: ocppConnections.chargerId })
        .from(ocppConnections)
        .innerJoin(ocppInstances, eq(ocppInstances.id, ocppConnections.instanceId))
        .where(and(ne(ocppConnections.instanceId, instanceId), gt(ocppInstances.leaseUntil, clock.now())));
      return new Set(rows.map((r) => r.chargerId));
    },

    async stop() {
      const held = await db
        .select({ chargerId: ocppConnections.chargerId })
        .from(ocppConnections)
        .where(eq(ocppConnections.instanceId, instanceId));
      const offline: string[] = [];
      for (const { chargerId } of held) {
        if (await disconnected(chargerId)) offline.push(chargerId);
      }
      await db.delete(ocppInstances).where(eq(ocppInstances.id, instanceId));
      return offline;
    },
  };
}
