/**
 * Named places where the crash tests make the process die at once
 * (SIGKILL, no clean-up), to prove every step survives a crash. Inert
 * unless TEST_CRASH_AT names a point; kept on globalThis because Next.js
 * bundles a second copy of modules that route handlers import.
 */

const KEY = Symbol.for('ev-checkout.crash-point');
type Holder = { [KEY]?: string };

export function armCrashPoint(name: string | undefined): void {
  (globalThis as Holder)[KEY] = name;
}

export function crashPoint(name: string): void {
  if ((globalThis as Holder)[KEY] === name) {
    process.stderr.write(`crash point ${name}: killing the process\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}
