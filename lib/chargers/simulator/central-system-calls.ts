import ocppRpc, { createRPCError, type RPCClient } from 'ocpp-rpc';

// NOREPLY comes from a spread in ocpp-rpc's CommonJS index, which Node's ESM loader cannot see as a named export.
const { NOREPLY } = ocppRpc as unknown as { NOREPLY: symbol };
import type { Logger } from '@/lib/logger';
import type { SimulatedConfiguration } from './configuration';

/**
 * How the simulated charger answers the central system's calls: remote
 * start and stop, triggers, charging profiles, availability, reset,
 * unlock, configuration. Each answer goes out before the charger acts on
 * it, as on a real charger (Accepted means "will do", not "done").
 */

export interface ChargePointControls {
  logger: Logger;
  configuration: SimulatedConfiguration;
  options: { connectorId: number; meterIntervalSeconds: number };
  readonly transactionId: number | undefined;
  canStart(): boolean;
  remoteStartPolicy(): 'accept' | 'reject' | 'ignore';
  startRemotely(idTag: string): void;
  stop(reason: string): Promise<void>;
  sendMeterValues(): Promise<void>;
  reportStatus(): Promise<void>;
  heartbeat(): Promise<unknown>;
  boot(): Promise<void>;
  /** W, or undefined to remove the limit. */
  setLimit(purpose: string, watts: number | undefined): void;
  clearLimits(): void;
  setAvailability(operative: boolean): Promise<'Accepted' | 'Scheduled'>;
  reset(reason: 'SoftReset' | 'HardReset'): Promise<void>;
  sampleIntervalChanged(): void;
  newPassword(password: string): void;
}

interface ChargingSchedule {
  chargingRateUnit?: string;
  chargingSchedulePeriod?: Array<{ startPeriod?: number; limit?: number; numberPhases?: number }>;
}

interface ChargingProfile {
  chargingProfilePurpose?: string;
  chargingSchedule?: ChargingSchedule;
}

const VOLTS_PER_PHASE = 230;

/** The profile's current limit in W (amperes × 230 V × phases). */
export function profileLimitW(profile: ChargingProfile): number | undefined {
  const schedule = profile.chargingSchedule;
  const first = schedule?.chargingSchedulePeriod?.find((p) => (p.startPeriod ?? 0) === 0) ?? schedule?.chargingSchedulePeriod?.[0];
  if (!first || typeof first.limit !== 'number') return undefined;
  if (schedule?.chargingRateUnit === 'A') return Math.floor(first.limit * VOLTS_PER_PHASE * (first.numberPhases ?? 3));
  return Math.floor(first.limit);
}

type Params = Record<string, unknown>;

const later = (work: () => unknown) => setImmediate(() => void Promise.resolve().then(work).catch(() => {}));

export function registerCentralSystemCalls(client: RPCClient, cp: ChargePointControls): void {
  const on = (method: string, handler: (params: Params) => Promise<unknown>) =>
    client.handle(method, async ({ params }) => (await handler((params ?? {}) as Params)) as Record<string, unknown>);

  on('RemoteStartTransaction', async (params) => {
    const policy = cp.remoteStartPolicy();
    // A charger that hangs: the central system's call times out.
    if (policy === 'ignore') return NOREPLY;
    const connectorId = typeof params.connectorId === 'number' ? params.connectorId : cp.options.connectorId;
    if (policy === 'reject' || connectorId !== cp.options.connectorId || !cp.canStart()) return { status: 'Rejected' };
    const profile = params.chargingProfile as ChargingProfile | undefined;
    if (profile) {
      if (profile.chargingProfilePurpose !== 'TxProfile') return { status: 'Rejected' };
      cp.setLimit('TxProfile', profileLimitW(profile));
    }
    cp.logger.info('remote start accepted', { idTag: params.idTag });
    cp.startRemotely(String(params.idTag));
    return { status: 'Accepted' };
  });

  on('RemoteStopTransaction', async (params) => {
    if (cp.transactionId === undefined || cp.transactionId !== params.transactionId) return { status: 'Rejected' };
    later(() => cp.stop('Remote'));
    return { status: 'Accepted' };
  });

  on('TriggerMessage', async (params) => {
    switch (params.requestedMessage) {
      case 'MeterValues':
        if (cp.transactionId === undefined) return { status: 'Rejected' };
        later(() => cp.sendMeterValues());
        return { status: 'Accepted' };
      case 'StatusNotification':
        later(() => cp.reportStatus());
        return { status: 'Accepted' };
      case 'Heartbeat':
        later(() => cp.heartbeat());
        return { status: 'Accepted' };
      case 'BootNotification':
        later(() => cp.boot());
        return { status: 'Accepted' };
      default:
        return { status: 'NotImplemented' };
    }
  });

  on('SetChargingProfile', async (params) => {
    const profile = (params.csChargingProfiles ?? {}) as ChargingProfile;
    const purpose = profile.chargingProfilePurpose ?? '';
    const watts = profileLimitW(profile);
    if (watts === undefined || !['TxProfile', 'TxDefaultProfile', 'ChargePointMaxProfile'].includes(purpose)) return { status: 'Rejected' };
    // A TxProfile only applies to a running transaction (OCPP 1.6 §3.13.1).
    if (purpose === 'TxProfile' && cp.transactionId === undefined) return { status: 'Rejected' };
    cp.setLimit(purpose, watts);
    cp.logger.info('charging profile set', { purpose, watts });
    return { status: 'Accepted' };
  });

  on('ClearChargingProfile', async () => {
    cp.clearLimits();
    return { status: 'Accepted' };
  });

  on('ChangeAvailability', async (params) => {
    if (params.connectorId !== 0 && params.connectorId !== cp.options.connectorId) return { status: 'Rejected' };
    return { status: await cp.setAvailability(params.type === 'Operative') };
  });

  on('Reset', async (params) => {
    later(() => cp.reset(params.type === 'Hard' ? 'HardReset' : 'SoftReset'));
    return { status: 'Accepted' };
  });

  on('UnlockConnector', async () => {
    if (cp.transactionId !== undefined) later(() => cp.stop('UnlockCommand'));
    return { status: 'Unlocked' };
  });

  on('GetConfiguration', async (params) => cp.configuration.report(Array.isArray(params.key) ? (params.key as string[]) : undefined));

  on('ChangeConfiguration', async (params) => {
    const key = String(params.key);
    const value = String(params.value);
    const status = cp.configuration.change(key, value);
    cp.logger.info('configuration change', { key, value: key === 'AuthorizationKey' ? '(hidden)' : value, status });
    if (status === 'Accepted' && key === 'MeterValueSampleInterval') cp.sampleIntervalChanged();
    if (status === 'Accepted' && key === 'AuthorizationKey') cp.newPassword(value);
    return { status };
  });

  on('DataTransfer', async () => ({ status: 'UnknownVendorId' }));

  client.handle(async ({ method }) => {
    throw createRPCError('NotImplemented', `${method} is not supported by the simulator`);
  });
}
