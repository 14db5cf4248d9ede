import type { Clock } from '@/lib/clock';
import type { ChargerAdmin, ChargerControl, ChargingProfilePurpose, ConfigurationKeyValue } from '../charger-control';

/**
 * The engine's and the operator's commands as OCPP 1.6 calls. `send`
 * reaches the charger wherever its socket is (this instance or another)
 * and raises ChargerOfflineError / ChargerCommandError.
 */

export type SendCommand = (chargerId: string, method: string, params: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** Whether the charger schedules in W; some only take A (ChargingScheduleAllowedChargingRateUnit). */
export type RateUnitLookup = (chargerId: string) => Promise<'W' | 'A'>;

/** Profile ids we use, so a new limit replaces ours and never an operator's own profile. */
const PROFILE_IDS: Record<ChargingProfilePurpose, number> = { TxProfile: 9001, TxDefaultProfile: 9002, ChargePointMaxProfile: 9003 };

/** For chargers that schedule in amperes only: three phases at 230 V, a common European AC supply. */
const VOLTS_PER_PHASE = 230;
const PHASES = 3;

export function chargingSchedule(maxPowerW: number, unit: 'W' | 'A') {
  const watts = Math.max(0, Math.floor(maxPowerW));
  if (unit === 'W') return { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: watts }] };
  // Tenths of an ampere (the schema's multipleOf 0.1), rounded down so the cap is never exceeded.
  const deciAmps = Math.floor((watts * 10) / (VOLTS_PER_PHASE * PHASES));
  return { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: deciAmps / 10, numberPhases: PHASES }] };
}

function pick<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

export function createChargerControl(
  send: SendCommand,
  rateUnit: RateUnitLookup,
  presence: { isConnected(chargerId: string): boolean; isOnline(chargerId: string): Promise<boolean> },
): ChargerControl {
  return {
    isConnected: presence.isConnected,
    isOnline: presence.isOnline,

    async remoteStart({ chargerId, connectorId, idTag, maxPowerW }) {
      const params: Record<string, unknown> = { connectorId, idTag };
      if (maxPowerW !== undefined) {
        // A TxProfile inside RemoteStart has no transactionId yet; the charger attaches it to the transaction it starts.
        params.chargingProfile = {
          chargingProfileId: PROFILE_IDS.TxProfile,
          stackLevel: 0,
          chargingProfilePurpose: 'TxProfile',
          chargingProfileKind: 'Relative',
          chargingSchedule: chargingSchedule(maxPowerW, await rateUnit(chargerId)),
        };
      }
      const answer = await send(chargerId, 'RemoteStartTransaction', params);
      return answer.status === 'Accepted' ? 'Accepted' : 'Rejected';
    },

    async remoteStop({ chargerId, transactionId }) {
      const answer = await send(chargerId, 'RemoteStopTransaction', { transactionId });
      return answer.status === 'Accepted' ? 'Accepted' : 'Rejected';
    },

    async requestMeterValues({ chargerId, connectorId }) {
      const answer = await send(chargerId, 'TriggerMessage', { requestedMessage: 'MeterValues', connectorId });
      return pick(answer.status, ['Accepted', 'Rejected', 'NotImplemented'] as const, 'Rejected');
    },

    async setPowerLimit({ chargerId, connectorId, transactionId, maxPowerW }) {
      const answer = await send(chargerId, 'SetChargingProfile', {
        connectorId,
        csChargingProfiles: {
          chargingProfileId: PROFILE_IDS.TxProfile,
          transactionId,
          stackLevel: 0,
          chargingProfilePurpose: 'TxProfile',
          chargingProfileKind: 'Relative',
          chargingSchedule: chargingSchedule(maxPowerW, await rateUnit(chargerId)),
        },
      });
      return pick(answer.status, ['Accepted', 'Rejected', 'NotSupported'] as const, 'Rejected');
    },
  };
}

export function createChargerAdmin(send: SendCommand, rateUnit: RateUnitLookup, clock: Clock): ChargerAdmin {
  return {
    async setChargingProfile({ chargerId, connectorId, purpose, maxPowerW, transactionId, profileId, stackLevel }) {
      const answer = await send(chargerId, 'SetChargingProfile', {
        connectorId,
        csChargingProfiles: {
          chargingProfileId: profileId ?? PROFILE_IDS[purpose],
          ...(transactionId !== undefined ? { transactionId } : {}),
          stackLevel: stackLevel ?? 0,
          chargingProfilePurpose: purpose,
          chargingProfileKind: purpose === 'TxProfile' ? 'Relative' : 'Absolute',
          chargingSchedule: {
            ...(chargingSchedule(maxPowerW, await rateUnit(chargerId))),
            // An Absolute profile needs a start; "from now on".
            ...(purpose === 'TxProfile' ? {} : { startSchedule: clock.now().toISOString() }),
          },
        },
      });
      return pick(answer.status, ['Accepted', 'Rejected', 'NotSupported'] as const, 'Rejected');
    },

    async clearChargingProfile({ chargerId, connectorId, purpose, profileId }) {
      const answer = await send(chargerId, 'ClearChargingProfile', {
        ...(profileId !== undefined ? { id: profileId } : {}),
        ...(connectorId !== undefined ? { connectorId } : {}),
        ...(purpose ? { chargingProfilePurpose: purpose } : {}),
      });
      return pick(answer.status, ['Accepted', 'Unknown'] as const, 'Unknown');
    },

    async changeAvailability({ chargerId, connectorId, type }) {
      const answer = await send(chargerId, 'ChangeAvailability', { connectorId, type });
      return pick(answer.status, ['Accepted', 'Rejected', 'Scheduled'] as const, 'Rejected');
    },

    async reset({ chargerId, type }) {
      const answer = await send(chargerId, 'Reset', { type });
      return pick(answer.status, ['Accepted', 'Rejected'] as const, 'Rejected');
    },

    async unlockConnector({ chargerId, connectorId }) {
      const answer = await send(chargerId, 'UnlockConnector', { connectorId });
      return pick(answer.status, ['Unlocked', 'UnlockFailed', 'NotSupported'] as const, 'UnlockFailed');
    },

    async triggerMessage({ chargerId, requestedMessage, connectorId }) {
      const answer = await send(chargerId, 'TriggerMessage', { requestedMessage, ...(connectorId !== undefined ? { connectorId } : {}) });
      return pick(answer.status, ['Accepted', 'Rejected', 'NotImplemented'] as const, 'Rejected');
    },

    async getConfiguration({ chargerId, keys }) {
      const answer = await send(chargerId, 'GetConfiguration', keys ? { key: keys } : {});
      const configurationKey = (Array.isArray(answer.configurationKey) ? answer.configurationKey : []) as ConfigurationKeyValue[];
      const unknownKey = (Array.isArray(answer.unknownKey) ? answer.unknownKey : []) as string[];
      return { configurationKey, unknownKey };
    },

    async changeConfiguration({ chargerId, key, value }) {
      const answer = await send(chargerId, 'ChangeConfiguration', { key, value });
      return pick(answer.status, ['Accepted', 'Rejected', 'RebootRequired', 'NotSupported'] as const, 'Rejected');
    },
  };
}
