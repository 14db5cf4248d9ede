// Makes sure a Chromium exists for the browser tests, installing one if needed, and says what it did.
// Debian's chromium via apt when running as root on Debian; Playwright's own browser elsewhere.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

function playwrightChromium() {
  try {
    const path = execSync(`node -e "process.stdout.write(require('playwright').chromium.executablePath())"`, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return path && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

const system = SYSTEM_CHROMIUM.find((p) => existsSync(p));
if (system) {
  console.log(`browser tests: using ${system}`);
} else if (playwrightChromium()) {
  console.log(`browser tests: using Playwright's Chromium at ${playwrightChromium()}`);
} else if (process.getuid?.() === 0 && existsSync('/etc/debian_version')) {
  console.log('browser tests: no Chromium found; installing Debian\'s chromium with apt-get (about 20 s)…');
  execSync('apt-get install -y chromium || (apt-get update && apt-get install -y chromium)', { stdio: 'inherit', shell: '/bin/sh' });
} else {
  console.log('browser tests: no Chromium found; installing Playwright\'s Chromium…');
  execSync('npx playwright install chromium', { stdio: 'inherit' });
}
