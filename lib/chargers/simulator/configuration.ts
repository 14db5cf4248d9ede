/**
 * The simulated charger's OCPP configuration keys (OCPP 1.6 §9), with the
 * checks a real charger makes on ChangeConfiguration: unknown keys are
 * NotSupported, read-only keys and bad values Rejected, measurands it
 * cannot sample Rejected.
 */

export type ChangeStatus = 'Accepted' | 'Rejected' | 'RebootRequired' | 'NotSupported';

interface Key {
  value: string;
  readonly: boolean;
  /** Write-only keys (AuthorizationKey) are never reported. */
  secret?: boolean;
  validate?: (value: string) => boolean;
}

const isBoolean = (v: string) => v === 'true' || v === 'false';
const isCount = (v: string) => /^\d{1,6}$/.test(v);

export const ALL_MEASURANDS = ['Energy.Active.Import.Register', 'Power.Active.Import', 'Current.Import', 'Voltage', 'SoC'];

export interface SimulatedConfigurationOptions {
  meterValueSampleInterval: number;
  connectionTimeOut: number;
  supportedMeasurands: string[];
  transactionMessageAttempts: number;
  transactionMessageRetryInterval: number;
}

export class SimulatedConfiguration {
  private readonly keys = new Map<string, Key>();

  constructor(options: SimulatedConfigurationOptions) {
    const measurands = (v: string) => {
      const list = v.split(',').map((m) => m.trim());
      return list.length <= 4 && list.every((m) => options.supportedMeasurands.includes(m));
    };
    const set = (key: string, value: string, readonly: boolean, validate?: (value: string) => boolean) =>
      this.keys.set(key, { value, readonly, validate });
    set('MeterValueSampleInterval', String(options.meterValueSampleInterval), false, isCount);
    // What a charger samples out of the box: the energy register only.
    set('MeterValuesSampledData', 'Energy.Active.Import.Register', false, measurands);
    set('MeterValuesSampledDataMaxLength', '4', true);
    set('StopTxnSampledData', 'Energy.Active.Import.Register', false, measurands);
    set('ConnectionTimeOut', String(options.connectionTimeOut), false, isCount);
    set('HeartbeatInterval', '300', false, isCount);
    set('StopTransactionOnInvalidId', 'false', false, isBoolean);
    set('AuthorizeRemoteTxRequests', 'false', true);
    set('LocalAuthorizeOffline', 'true', false, isBoolean);
    set('LocalPreAuthorize', 'false', false, isBoolean);
    set('AllowOfflineTxForUnknownId', 'true', false, isBoolean);
    set('TransactionMessageAttempts', String(options.transactionMessageAttempts), false, isCount);
    set('TransactionMessageRetryInterval', String(options.transactionMessageRetryInterval), false, isCount);
    set('NumberOfConnectors', '1', true);
    set('SupportedFeatureProfiles', 'Core,SmartCharging,RemoteTrigger', true);
    set('ChargingScheduleAllowedChargingRateUnit', 'Current,Power', true);
    set('ChargeProfileMaxStackLevel', '8', true);
    this.keys.set('AuthorizationKey', { value: '', readonly: false, secret: true, validate: (v) => /^[\x21-\x7e]{16,40}$/.test(v) });
  }

  get(key: string): string | undefined {
    return this.keys.get(key)?.value;
  }

  number(key: string): number {
    return Number(this.get(key) ?? 0);
  }

  /** GetConfiguration: all keys, or the asked ones plus the unknown ones. */
  report(requested?: string[]): { configurationKey: Array<{ key: string; readonly: boolean; value: string }>; unknownKey: string[] } {
    const names = requested && requested.length > 0 ? requested : [...this.keys.keys()];
    const configurationKey = [];
    const unknownKey = [];
    for (const name of names) {
      const key = this.keys.get(name);
      if (!key) unknownKey.push(name);
      else if (!key.secret) configurationKey.push({ key: name, readonly: key.readonly, value: key.value });
    }
    return { configurationKey, unknownKey };
  }

  change(name: string, value: string): ChangeStatus {
    const key = this.keys.get(name);
    if (!key) return 'NotSupported';
    if (key.readonly || (key.validate && !key.validate(value))) return 'Rejected';
    key.value = value;
    return 'Accepted';
  }
}
