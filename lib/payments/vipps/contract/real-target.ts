import { systemClock } from '@/lib/clock';
import type { AppConfig } from '@/lib/config';
import { silentLogger } from '@/lib/logger';
import { createVippsClient } from '../client';
import type { ContractTarget } from './target';

/**
 * The real test environment (apitest.vipps.no) with the VIPPS_TEST_* sales
 * unit. Payments are approved with force approve, which needs the sales
 * unit's test user to have approved one payment in the MT app once.
 */
export function createRealTarget(credentials: NonNullable<AppConfig['vippsContractTest']>): ContractTarget {
  // No client retries: the suite asserts on the first answer (a 429 included), as the emulator target does.
  const client = createVippsClient(credentials, { clock: systemClock, logger: silentLogger, retryDelaysMs: [] });
  return {
    name: 'apitest.vipps.no',
    client,
    // Test sales units inherit the merchant's country; this suite assumes a Norwegian one.
    currency: 'NOK',
    foreignCurrency: 'EUR',
    async fetchQrImage(url) {
      // Image links on qr.vipps.no need no authentication.
      const response = await fetch(url);
      if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
      return { contentType: response.headers.get('content-type') ?? '', bytes: Buffer.from(await response.arrayBuffer()) };
    },
    async close() {},
  };
}
