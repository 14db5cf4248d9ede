import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { getConfig } from '@/lib/config';
import type { DatabaseLocation } from '@/lib/db/client';

/**
 * A fresh, empty database per test file: PGlite in memory by default, or,
 * when DATABASE_URL is set, a new database on that Postgres server (dropped
 * afterwards), so the same suite covers both engines.
 */
export interface TestDatabase {
  location: DatabaseLocation;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = getConfig().databaseUrl;
  if (!adminUrl) return { location: { inMemory: true }, drop: async () => {} };
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
