import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';

/**
 * One connection layer for both engines: PGlite (Postgres compiled to WASM,
 * embedded, files under DATA_DIR) by default, a real Postgres through
 * DATABASE_URL. Both speak the same SQL, so everything above is shared.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Db = PgDatabase<PgQueryResultHKT, any>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Query functions accept either the database or an open transaction. */
export type DbOrTx = Db | Tx;

export type NotificationListener = (payload: string) => void;

export interface Database {
  db: Db;
  engine: 'pglite' | 'postgres';
  /** LISTEN on a channel; returns an unsubscribe function. */
  listen(channel: string, listener: NotificationListener): Promise<() => Promise<void>>;
  /** PGlite only: a copy of the whole database, to open again with { inMemory: true, from }. */
  dump?(): Promise<Blob>;
  close(): Promise<void>;
}

/**
 * The committed migrations. Resolved from the working directory, which is the project root for every
 * entry point (npm scripts, tests, the bundled production server, where import.meta.url would point
 * into the bundle instead).
 */
export const MIGRATIONS_FOLDER = path.resolve('lib/db/migrations');

/** In memory, optionally starting from a dump of another PGlite database (tests start from a migrated, seeded copy). */
export type DatabaseLocation = { databaseUrl: string } | { dataDir: string } | { inMemory: true; from?: Blob };

export async function openDatabase(location: DatabaseLocation): Promise<Database> {
  const database = 'databaseUrl' in location ? await openPostgres(location.databaseUrl) : await openPglite(location);
  await database.db.execute(sql`select 1`);
  return database;
}

async function openPglite(location: { dataDir: string } | { inMemory: true; from?: Blob }): Promise<Database> {
  let client: PGlite;
  if ('dataDir' in location) {
    const dir = path.join(location.dataDir, 'pglite');
    mkdirSync(dir, { recursive: true });
    client = new PGlite(dir);
  } else {
    client = new PGlite(location.from ? { loadDataDir: location.from } : undefined);
  }
  const db = drizzlePglite(client) as unknown as Db;
  return {
    db,
    engine: 'pglite',
    async listen(channel, listener) {
      const unsubscribe = await client.listen(channel, listener);
      return async () => unsubscribe();
    },
    dump: () => client.dumpDataDir('none'),
    async close() {
      if (!client.closed) await client.close();
    },
  };
}

async function openPostgres(databaseUrl: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  // Idle clients can fail when the server restarts; the pool replaces them.
  pool.on('error', () => {});
  const db = drizzlePg(pool) as unknown as Db;
  const listeners: pg.Client[] = [];
  return {
    db,
    engine: 'postgres',
    async listen(channel, listener) {
      // LISTEN needs a connection of its own that stays open.
      const client = new pg.Client({ connectionString: databaseUrl });
      client.on('error', () => {});
      await client.connect();
      client.on('notification', (msg) => {
        if (msg.channel === channel) listener(msg.payload ?? '');
      });
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      listeners.push(client);
      return async () => {
        listeners.splice(listeners.indexOf(client), 1);
        await client.end().catch(() => {});
      };
    },
    async close() {
      await Promise.all(listeners.map((c) => c.end().catch(() => {})));
      await pool.end();
    },
  };
}

/** Applies the committed migrations; concurrent starts on one Postgres wait for each other. */
export async function migrateDatabase(database: Database, databaseUrl?: string): Promise<void> {
  if (database.engine === 'pglite') {
    await migratePglite(database.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
    return;
  }
  if (!databaseUrl) throw new Error('migrateDatabase needs the DATABASE_URL for Postgres');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock(727274)');
    await migratePg(drizzlePg(client), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await client.query('select pg_advisory_unlock(727274)').catch(() => {});
    await client.end();
  }
}
