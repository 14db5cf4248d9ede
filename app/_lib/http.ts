import { NextResponse } from 'next/server';
import { getRuntime } from '@/lib/runtime/registry';

/** A 4xx/5xx with a message a person can act on. */
export function jsonError(status: number, message: string): NextResponse {
  return NextResponse.json({ error: message }, { status, headers: { 'cache-control': 'no-store' } });
}

export function jsonOk(body: unknown, status = 200): NextResponse {
  return NextResponse.json(body, { status, headers: { 'cache-control': 'no-store' } });
}

/** The emulator's dev endpoints exist only in emulator mode; elsewhere they are plain 404s. */
export function emulatorOrNotFound() {
  const emulator = getRuntime().emulator;
  return emulator ? { emulator } : { response: jsonError(404, 'Not found') };
}
