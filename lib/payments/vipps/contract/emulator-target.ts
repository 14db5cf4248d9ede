import { createFakeClock } from '@/lib/clock';
import { migrateDatabase, openDatabase } from '@/lib/db/client';
import { silentLogger } from '@/lib/logger';
import { createTestDatabase } from '@/lib/testing/test-database';
import { createVippsClient } from '../client';
import { createVippsEmulator } from '../emulator';
import { renderQrImage } from '../emulator/qr-image';
import type { ContractTarget } from './target';

/** The emulator, answering for apitest.vipps.no inside this process, with its ledger in a fresh database. */
export async function createEmulatorTarget(): Promise<ContractTarget> {
  const testDb = await createTestDatabase();
  const database = await openDatabase(testDb.location);
  await migrateDatabase(database, 'databaseUrl' in testDb.location ? testDb.location.databaseUrl : undefined);
  const clock = createFakeClock(new Date());
  const msn = '123456';
  const emulator = createVippsEmulator({
    db: database.db,
    clock,
    logger: silentLogger,
    publicBaseUrl: 'http://localhost:3999',
    msn,
    background: false,
  });
  emulator.start();
  const client = createVippsClient(
    {
      baseUrl: 'https://apitest.vipps.no',
      clientId: 'contract-client',
      clientSecret: 'contract-secret',
      subscriptionKey: 'contract-subscription',
      merchantSerialNumber: msn,
      systemName: 'ev-checkout',
      systemVersion: 'contract',
    },
    // No retries: error paths (429 included) surface on the first answer.
    { clock, logger: silentLogger, retryDelaysMs: [], sleep: async () => {} },
  );

  return {
    name: 'emulator',
    client,
    currency: 'NOK',
    foreignCurrency: 'EUR',
    advanceClock: (ms) => clock.advance(ms),
    async userDecides(reference, decision) {
      const result = decision === 'approve' ? await emulator.ledger.approve({ reference }) : await emulator.ledger.reject({ reference });
      return result.ok ? { ok: true } : { ok: false, reason: result.reason };
    },
    deliverWebhooks: () => emulator.sender.deliverDue(),
    async fetchQrImage(url) {
      const parsed = new URL(url);
      const id = decodeURIComponent(/\/qr\/([^/]+)\/image$/.exec(parsed.pathname)?.[1] ?? '');
      const format = parsed.searchParams.get('format') === 'png' ? 'png' : 'svg';
      const size = parsed.searchParams.get('size');
      const image = await renderQrImage(emulator.qr, { id, format, size: size ? Number(size) : undefined });
      if (!image) throw new Error(`no QR image at ${url}`);
      return { contentType: image.contentType, bytes: Buffer.from(image.body) };
    },
    async close() {
      await emulator.stop();
      await database.close();
      await testDb.drop();
    },
  };
}
