import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimulatedChargePoint, type SimulatedChargePointOptions } from '@/lib/chargers/simulator/charge-point';
import { createFakeClock, type FakeClock } from '@/lib/clock';
import { parseConfig } from '@/lib/config';
import { silentLogger } from '@/lib/logger';
import { createRuntime, type Runtime, type RuntimeOptions } from '@/lib/runtime/create-runtime';
import { DEMO_CHARGER_PASSWORD } from '@/lib/runtime/seed-demo';
import { createTestDatabase, type TestDatabase } from './test-database';

/**
 * The whole product in one test process, without Next.js: a real HTTP
 * server for webhooks, real WebSockets for OCPP, the Vipps emulator, the
 * engine and a database. Jobs and webhook deliveries run when the test says
 * so (`settle`), on a fake clock the test moves.
 */

export interface Harness {
  runtime: Runtime;
  clock: FakeClock;
  baseUrl: string;
  ocppUrl: string;
  /** Runs due jobs and webhook deliveries until nothing is left to do. */
  settle(): Promise<void>;
  /** Moves the clock and then settles. */
  advance(ms: number): Promise<void>;
  chargePoint(id: string, options?: Partial<SimulatedChargePointOptions>): Promise<SimulatedChargePoint>;
  close(): Promise<void>;
}

export async function startHarness(options: { env?: Record<string, string>; runtime?: RuntimeOptions } = {}): Promise<Harness> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://localhost:${port}`;
  const database: TestDatabase = await createTestDatabase();
  const clock = createFakeClock(new Date());
  const config = parseConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    PUBLIC_BASE_URL: baseUrl,
    SIMULATED_CHARGERS: 'off',
    VIPPS_MODE: 'emulator',
    ...options.env,
  });
  const runtime = await createRuntime(config, {
    clock,
    logger: silentLogger,
    strictOcpp: true,
    background: false,
    databaseLocation: database.location,
    vippsRetryDelaysMs: [0, 0],
    ...options.runtime,
  });

  server.on('request', async (req, res) => {
    if (req.method === 'POST' && req.url === '/api/vipps/webhook') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers = new Headers(Object.entries(req.headers).map(([k, v]): [string, string] => [k, String(v)]));
      const receipt = await runtime.receiveVippsWebhook({ rawBody: Buffer.concat(chunks).toString('utf8'), headers });
      res.writeHead(receipt.status, { 'content-type': 'application/json' }).end(JSON.stringify(receipt));
      return;
    }
    res.writeHead(404).end();
  });
  server.on('upgrade', (req, socket, head) => runtime.centralSystem.handleUpgrade(req, socket as never, head));

  const chargePoints: SimulatedChargePoint[] = [];

  async function settle() {
    for (let round = 0; round < 50; round++) {
      const jobs = await runtime.worker.drain();
      const deliveries = (await runtime.emulator?.sender.deliverDue()) ?? 0;
      if (jobs === 0 && deliveries === 0) return;
    }
    throw new Error('the system did not settle after 50 rounds');
  }

  return {
    runtime,
    clock,
    baseUrl,
    ocppUrl: `ws://localhost:${port}/ocpp`,
    settle,
    async advance(ms) {
      clock.advance(ms);
      await settle();
    },
    async chargePoint(id, overrides = {}) {
      const cp = new SimulatedChargePoint({
        url: `ws://localhost:${port}/ocpp`,
        id,
        password: DEMO_CHARGER_PASSWORD,
        meterIntervalSeconds: 0,
        strict: true,
        // The charger's timestamps follow the test's clock, so energy over time stays plausible.
        clock,
        ...overrides,
      });
      await cp.connect();
      chargePoints.push(cp);
      return cp;
    },
    async close() {
      await Promise.all(chargePoints.map((cp) => cp.close()));
      await runtime.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.drop();
    },
  };
}
