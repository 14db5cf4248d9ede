import type { Runtime } from './create-runtime';

/**
 * The running product (database, Vipps client, central system, engine) is
 * created once by the server process and shared with Next.js route
 * handlers through globalThis: Next bundles route code separately, so a
 * module-level singleton would exist twice.
 */

const KEY = Symbol.for('ev-checkout.runtime');

type Holder = { [KEY]?: Runtime };

export function setRuntime(runtime: Runtime | undefined): void {
  (globalThis as Holder)[KEY] = runtime;
}

export function getRuntime(): Runtime {
  const runtime = (globalThis as Holder)[KEY];
  if (!runtime) {
    throw new Error('The product runtime is not running. Start the app with `npm run demo` (or `npm run dev`), which runs server.ts.');
  }
  return runtime;
}
