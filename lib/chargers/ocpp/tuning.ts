/** The central system's timers and limits; tests shorten them. */
export interface CentralSystemTuning {
  /** Validate every message against the OCA schemas (tests); production stays tolerant of real chargers. */
  strict: boolean;
  /** How long a charger may take to answer a command. */
  callTimeoutMs: number;
  /** WebSocket ping interval; a socket that misses one pong is closed. */
  pingIntervalMs: number;
  /** How long an instance's claim on its sockets lasts without renewal. */
  leaseSeconds: number;
  /** Lease renewal, sweep of dead instances, retries and command polling. */
  maintenanceIntervalMs: number;
  /** MeterValueSampleInterval the probe sets when the charger samples less often. */
  sampleIntervalSeconds: number;
  /** How long a relayed command waits for the owning instance to pick it up. */
  relayClaimTimeoutMs: number;
  relayPollIntervalMs: number;
  /** Probe a charger that connects without booting and was never probed, after this delay. */
  probeWithoutBootDelayMs: number;
}

export const DEFAULT_CENTRAL_SYSTEM_TUNING: CentralSystemTuning = {
  strict: false,
  callTimeoutMs: 30_000,
  pingIntervalMs: 30_000,
  leaseSeconds: 45,
  maintenanceIntervalMs: 15_000,
  sampleIntervalSeconds: 15,
  relayClaimTimeoutMs: 10_000,
  relayPollIntervalMs: 1_000,
  probeWithoutBootDelayMs: 10_000,
};

/** The defaults, overridden by whatever options were actually given. */
export function resolveTuning(options: Partial<CentralSystemTuning>): CentralSystemTuning {
  const keys = Object.keys(DEFAULT_CENTRAL_SYSTEM_TUNING) as Array<keyof CentralSystemTuning>;
  const given = Object.fromEntries(keys.filter((k) => options[k] !== undefined).map((k) => [k, options[k]]));
  return { ...DEFAULT_CENTRAL_SYSTEM_TUNING, ...given };
}
