import { createServer } from 'node:http';
import next from 'next';
import { OCPP_PATH_PREFIX } from '@/lib/chargers/ocpp/central-system';
import { ConfigError, getConfig } from '@/lib/config';
import { CLIENT_ADDRESS_HEADER, clientAddress } from '@/lib/runtime/client-address';
import { createRuntime } from '@/lib/runtime/create-runtime';
import { setRuntime } from '@/lib/runtime/registry';

/**
 * One process, one port: Next.js for pages and API routes, the OCPP
 * central system for WebSocket upgrades on /ocpp/{chargePointId}, and the
 * engine's job worker, all sharing one runtime.
 */

async function main() {
  const startedAt = Date.now();
  const config = getConfig();
  const runtime = await createRuntime(config);
  setRuntime(runtime);

  // Next is prepared after the runtime: the Vipps emulator must intercept fetch before Next patches it.
  const app = next({ dev: config.nodeEnv !== 'production', hostname: 'localhost', port: config.port });
  await app.prepare();
  const handle = app.getRequestHandler();
  const handleNextUpgrade = app.getUpgradeHandler();

  const server = createServer((req, res) => {
    req.headers[CLIENT_ADDRESS_HEADER] = clientAddress(req, config.trustProxy);
    handle(req, res).catch((error: unknown) => {
      runtime.logger.error('request failed', { url: req.url, error: String(error) });
      if (!res.headersSent) res.writeHead(500).end('Internal error');
    });
  });
  server.on('upgrade', (req, socket, head) => {
    if (req.url?.startsWith(OCPP_PATH_PREFIX)) runtime.centralSystem.handleUpgrade(req, socket as never, head);
    else void handleNextUpgrade(req, socket, head);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  await runtime.afterListen(port);
  runtime.logger.info(
    `ready on http://localhost:${port} (public ${config.publicBaseUrl}, OCPP ws://localhost:${port}${OCPP_PATH_PREFIX}{chargerId}, ` +
      `database ${runtime.database.engine}, Vipps ${config.vipps.mode}) in ${Date.now() - startedAt} ms`,
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    runtime.logger.info(`${signal}: shutting down`);
    server.close();
    await runtime.stop().catch(() => {});
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error('Start-up failed:', error);
  }
  process.exit(1);
});
