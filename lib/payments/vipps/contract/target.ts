import { randomBytes } from 'node:crypto';
import type { VippsClient } from '../client';

/**
 * What the contract suite runs against: the emulator in this process
 * (through MSW, on a fake clock) or the real test environment over the
 * network. The suite body is the same; what only one of them can do
 * (move time, approve as a human would, deliver webhooks to us) is an
 * optional capability, and tests that need it are skipped where it is absent.
 */
export interface ContractTarget {
  name: string;
  client: VippsClient;
  /** The sales unit's currency. */
  currency: 'NOK' | 'DKK' | 'EUR';
  /** A currency this sales unit does not take (expect 5040). */
  foreignCurrency: 'NOK' | 'DKK' | 'EUR';
  /** Moves the target's clock (emulator only; the real one runs on wall time). */
  advanceClock?: (ms: number) => void;
  /** Approves or rejects in the wallet app as the user would (emulator only; on the real env a person must). */
  userDecides?: (reference: string, decision: 'approve' | 'reject') => Promise<{ ok: boolean; reason?: string }>;
  /** Sends the webhook deliveries that are due now (emulator only: the real one needs a public https URL). */
  deliverWebhooks?: () => Promise<number>;
  /** Fetches a QR image link from the QR API (the emulator's links point into an app that is not running here). */
  fetchQrImage(url: string): Promise<{ contentType: string; bytes: Buffer }>;
  close(): Promise<void>;
}

/** A fresh reference (8–50 of [A-Za-z0-9-]) per test, so runs against the real env never collide. */
export function newReference(tag: string): string {
  return `ct-${tag}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`.slice(0, 50);
}

/** Polls until `check` passes; the real env is eventually consistent, the emulator answers at once. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
