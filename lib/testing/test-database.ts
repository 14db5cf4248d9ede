import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { getConfig } from '@/lib/config';
import { MIGRATIONS_FOLDER, migrateDatabase, openDatabase, type DatabaseLocation } from '@/lib/db/client';
import { seedDemoData } from '@/lib/runtime/seed-demo';

/**
 * A fresh database per test harness: PGlite in memory by default, or, when
 * DATABASE_URL is set, a new database on that Postgres server (dropped
 * afterwards), so the same suite covers both engines.
 *
 * Starting PGlite from nothing (initdb in WASM) takes seconds; a migrated,
 * seeded copy loads in a fraction of that. The copy is made once per
 * migration set and kept in the temp directory for every test file.
 */
export interface TestDatabase {
  location: DatabaseLocation;
  drop(): Promise<void>;
}

/** `adminUrl`: the Postgres to create the database on; by default the configured DATABASE_URL. */
export async function createTestDatabase(adminUrl = getConfig().databaseUrl): Promise<TestDatabase> {
  if (!adminUrl) return { location: { inMemory: true, from: await seededTemplate() }, drop: async () => {} };
  const name = `evtest_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    location: { databaseUrl: url.toString() },
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

let template: Promise<Blob> | undefined;

function seededTemplate(): Promise<Blob> {
  template ??= (async () => {
    const migrations = MIGRATIONS_FOLDER;
    const fingerprint = createHash('sha256');
    for (const file of readdirSync(migrations, { recursive: true, encoding: 'utf8' }).sort()) {
      const full = path.join(migrations, file);
      if (file.endsWith('.sql') || file.endsWith('.json')) fingerprint.update(file).update(readFileSync(full));
    }
    fingerprint.update(readFileSync(path.resolve('lib/runtime/seed-demo.ts')));
    const file = path.join(tmpdir(), `ev-checkout-template-${fingerprint.digest('hex').slice(0, 16)}.tar`);
    if (existsSync(file)) return new Blob([readFileSync(file)]);
    const database = await openDatabase({ inMemory: true });
    await migrateDatabase(database);
    await seedDemoData(database.db);
    const dump = await database.dump!();
    await database.close();
    // Written under another name first: a test file running in parallel never reads half a file.
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, file);
    return dump;
  })();
  return template;
}
