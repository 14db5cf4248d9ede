import { describe, it } from 'vitest';
import { getConfig } from '@/lib/config';
import { createRealTarget } from './real-target';
import { defineContractSuite } from './suite';

// The same contract against the real test environment, when its credentials are configured.
const credentials = getConfig().vippsContractTest;

if (credentials) {
  // Over the network, with force approve and an eventually consistent event log: more time per test.
  defineContractSuite('Vipps contract: apitest.vipps.no', async () => createRealTarget(credentials), { timeoutMs: 60_000 });
} else {
  const why =
    'Vipps contract against apitest.vipps.no skipped: set VIPPS_TEST_CLIENT_ID, VIPPS_TEST_CLIENT_SECRET, ' +
    'VIPPS_TEST_SUBSCRIPTION_KEY and VIPPS_TEST_MSN (a Norwegian test sales unit whose test user has approved ' +
    'one payment in the MT app) to run it.';
  console.info(why);
  describe.skip(why, () => {
    it('runs the contract suite against the real test environment', () => {});
  });
}
