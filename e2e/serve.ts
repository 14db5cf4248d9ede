// Starts the product for the browser tests: a production build on a throwaway database
// (a fresh PGlite directory, or a fresh Postgres database when DATABASE_URL is set).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '@/lib/testing/test-database';

const database = await createTestDatabase();
if ('databaseUrl' in database.location) process.env.DATABASE_URL = database.location.databaseUrl;
process.env.DATA_DIR = mkdtempSync(path.join(tmpdir(), 'ev-e2e-'));
const stop = () => {
  database.drop().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
await import('../server');
