import { setupServer } from 'msw/node';
import type { Clock } from '@/lib/clock';
import type { Db } from '@/lib/db/client';
import type { Logger } from '@/lib/logger';
import { createEmulatorHandlers } from './handlers';
import { createLedger } from './ledger';
import { createOrderManagement } from './order-management';
import { createQrRegistry } from './qr';
import { createWebhookRegistry, createWebhookSender } from './webhooks';

/**
 * A stateful stand-in for the Vipps MobilePay APIs this product uses. It
 * intercepts fetch to the Vipps hosts in this process (MSW), keeps its
 * ledger in the database, sends signed webhooks over real HTTP and offers a
 * wallet page (in our app) where the "user" approves or rejects.
 */

export interface VippsEmulatorOptions {
  db: Db;
  clock: Clock;
  logger: Logger;
  publicBaseUrl: string;
  msn: string;
  currency?: 'NOK' | 'DKK' | 'EUR';
  /** Background delivery of webhooks and expiry; off in tests that step it by hand. */
  background?: boolean;
}

export function createVippsEmulator(options: VippsEmulatorOptions) {
  const { db, clock, logger, msn, publicBaseUrl } = options;
  // Expiry is checked before every delivery round (and on every read of a payment), so an
  // unapproved payment turns EXPIRED, with its webhook, on time on any clock.
  const sender = createWebhookSender({ db, clock, logger: logger.child('webhooks'), beforeRound: () => ledger.expireDue() });
  const ledger = createLedger({
    db,
    clock,
    msn,
    currency: options.currency ?? 'NOK',
    landingPageUrl: `${publicBaseUrl}/dev/vipps/wallet`,
    onDeliveriesQueued: () => sender.kick(),
  });
  const webhooks = createWebhookRegistry({ db, clock, msn });
  const orderManagement = createOrderManagement({ db, clock });
  const qr = createQrRegistry({ db, clock, msn, publicBaseUrl });
  const server = setupServer(...createEmulatorHandlers({ clock, msn, ledger, webhooks, orderManagement, qr }));

  return {
    ledger,
    webhooks,
    orderManagement,
    qr,
    sender,
    /** Starts intercepting fetch to the Vipps hosts (and background work, unless disabled). */
    start() {
      // Everything that is not a Vipps host (our own webhook endpoint included) goes out for real.
      server.listen({ onUnhandledRequest: 'bypass' });
      if (options.background !== false) sender.start();
      logger.info('Vipps MobilePay emulator is answering for apitest.vipps.no and api.vipps.no');
    },
    async stop() {
      await sender.stop();
      server.close();
    },
  };
}

export type VippsEmulator = ReturnType<typeof createVippsEmulator>;
