import { createRPCError } from 'ocpp-rpc';
import { errorMessage } from '@/lib/logger';
import { coreMessageHandlers } from './handle-core-messages';
import { handleMeterValues } from './handle-meter-values';
import { handleStartTransaction } from './handle-start-transaction';
import { handleStopTransaction } from './handle-stop-transaction';
import type { InboundDeps, OcppParams } from './inbound-deps';

export interface HandlerHost {
  handle(method: string, handler: (args: { params?: Record<string, unknown> }) => Promise<unknown>): void;
  handle(handler: (args: { method?: string }) => Promise<unknown>): void;
}

/**
 * The charger-initiated messages this central system answers. A handler
 * that fails unexpectedly answers InternalError (the charger retries); the
 * details stay in our log.
 */
export function registerChargePointHandlers(client: HandlerHost, chargerId: string, deps: InboundDeps & { onBoot(chargerId: string): void }) {
  const handlers: Record<string, (params: OcppParams) => Promise<Record<string, unknown>>> = {
    ...coreMessageHandlers(deps, chargerId),
    // In the charger's lane: a StartTransaction waits for the work its earlier messages caused.
    StartTransaction: (params) => deps.lanes.run(chargerId, () => handleStartTransaction(deps, chargerId, params)),
    MeterValues: (params) => handleMeterValues(deps, chargerId, params),
    StopTransaction: (params) => handleStopTransaction(deps, chargerId, params),
  };
  for (const [method, handler] of Object.entries(handlers)) {
    client.handle(method, async ({ params }) => {
      try {
        return await handler(params && typeof params === 'object' ? params : {});
      } catch (error) {
        if ((error as { rpcErrorCode?: unknown }).rpcErrorCode) throw error;
        deps.logger.error(`handling ${method} failed`, { chargerId, error: errorMessage(error) });
        throw createRPCError('InternalError', 'internal error');
      }
    });
  }
  client.handle(async ({ method }) => {
    throw createRPCError('NotImplemented', `${method} is not implemented`);
  });
}
