import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '@/lib/config';
import { createTestDatabase, type TestDatabase } from '@/lib/testing/test-database';

/**
 * The production server (`npm start`: the bundled server.ts on the built app)
 * as a child process the test can kill and start again on the same data.
 */

export interface ServerProcess {
  baseUrl: string;
  /** True once the process has ended (killed, crashed or stopped). */
  readonly exited: boolean;
  output(): string;
  stop(): Promise<void>;
}

export interface ServerHome {
  port: number;
  baseUrl: string;
  start(extraEnv?: Record<string, string>): Promise<ServerProcess>;
  dispose(): Promise<void>;
}

/**
 * A place for one server to live: a port, a data directory and (with DATABASE_URL) a database of its
 * own. `template`: a data directory to start from (a migrated, seeded PGlite saves seconds per start).
 */
export async function serverHome(port: number, template?: string): Promise<ServerHome> {
  const postgres = parseConfig(process.env).databaseUrl;
  const database: TestDatabase | undefined = postgres ? await createTestDatabase(postgres) : undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ev-crash-'));
  if (template && !database) cpSync(template, dataDir, { recursive: true });
  const baseUrl = `http://localhost:${port}`;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NODE_ENV: 'production',
    PORT: String(port),
    PUBLIC_BASE_URL: baseUrl,
    DATA_DIR: dataDir,
    SIMULATED_CHARGERS: 'off',
    LOG_LEVEL: 'warn',
    NEXT_TELEMETRY_DISABLED: '1',
    // A dead process's claimed jobs are taken over quickly.
    JOB_LEASE_SECONDS: '2',
  };
  if (database && 'databaseUrl' in database.location) env.DATABASE_URL = database.location.databaseUrl;
  else delete env.DATABASE_URL;

  return {
    port,
    baseUrl,
    start: (extraEnv = {}) => startServer(baseUrl, { ...env, ...extraEnv }),
    dispose: async () => database?.drop(),
  };
}

async function startServer(baseUrl: string, env: Record<string, string>): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, [path.resolve('.next/server.mjs')], { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let exited = false;
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const ended = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void ended.then(() => (exited = true));

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`the server exited while starting:\n${log}`);
    try {
      if ((await fetch(`${baseUrl}/api/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the server did not start in time:\n${log}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    baseUrl,
    get exited() {
      return exited;
    },
    output: () => log,
    async stop() {
      if (!exited) child.kill('SIGTERM');
      await ended;
    },
  };
}

/** A migrated, seeded embedded database directory to copy for each server (see serverHome). */
export async function preparedDataDir(): Promise<string> {
  const { migrateDatabase, openDatabase } = await import('@/lib/db/client');
  const { seedDemoData } = await import('@/lib/runtime/seed-demo');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ev-template-'));
  const database = await openDatabase({ dataDir });
  await migrateDatabase(database);
  await seedDemoData(database.db);
  await database.close();
  return dataDir;
}
