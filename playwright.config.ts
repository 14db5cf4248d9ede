import { existsSync } from 'node:fs';
import { defineConfig, devices } from '@playwright/test';

const port = Number(process.env.E2E_PORT ?? 3917);
const systemChromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

export default defineConfig({
  testDir: './e2e',
  timeout: 90_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${port}`,
    trace: 'retain-on-failure',
    launchOptions: systemChromium
      ? { executablePath: systemChromium, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic'] }
      : {},
  },
  projects: [{ name: 'phone', use: { ...devices['Pixel 7'], ...(systemChromium ? { channel: undefined } : {}) } }],
  webServer: {
    command: 'tsx e2e/serve.ts',
    url: `http://localhost:${port}/api/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
    env: {
      NODE_ENV: 'production',
      PORT: String(port),
      PUBLIC_BASE_URL: `http://localhost:${port}`,
      // DEMO-1 is driven by the tests' own simulated charger; the others run the built-in one.
      SIMULATED_CHARGERS: 'DEMO-2,DEMO-3',
      SIMULATED_METER_INTERVAL_SECONDS: '1',
      NEXT_TELEMETRY_DISABLED: '1',
      LOG_LEVEL: 'warn',
    },
  },
});
