// Starts the product for the browser tests: a production build on a throwaway database
// (a fresh PGlite directory, or a fresh Postgres database when DATABASE_URL is set).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '@/lib/config';
import { createTestDatabase } from '@/lib/testing/test-database';

// Parsed without caching: the server parses the environment again after it is set up below.
const postgres = parseConfig(process.env).databaseUrl;
const database = postgres ? await createTestDatabase(postgres) : undefined;
if (database && 'databaseUrl' in database.location) process.env.DATABASE_URL = database.location.databaseUrl;
process.env.DATA_DIR = mkdtempSync(path.join(tmpdir(), 'ev-e2e-'));
const stop = () => {
  void (database?.drop() ?? Promise.resolve()).finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
// The production server as `npm start` runs it: the bundle `npm run build` makes.
await import(path.resolve('.next/server.mjs'));
