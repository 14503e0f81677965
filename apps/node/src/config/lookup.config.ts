import { readWholeNumbers, type WholeNumberRule } from './whole-numbers.env';

/** How this node asks and answers hit/no-hit lookups (read once at boot). */
export interface LookupConfig {
  /** Lookups one partner may have evaluated per minute (token bucket, in memory: a restart refills it) (PALERMO_LOOKUP_RATE_PER_MINUTE). */
  ratePerMinute: number;
  /** How long one lookup step waits for a partner's answer (PALERMO_LOOKUP_TIMEOUT_MS). */
  timeoutMs: number;
  /** How far a request's `at` may be from this node's clock, either way (PALERMO_LOOKUP_MAX_SKEW_MS). */
  maxSkewMs: number;
  /** How long after its evaluation a request's match is accepted (PALERMO_LOOKUP_MATCH_WINDOW_MS). */
  matchWindowMs: number;
  /** Indicators the table builder computes per page (~1 ms each) (PALERMO_LOOKUP_TABLE_PAGE). */
  tablePage: number;
  /** Pause of the table builder when it has caught up (PALERMO_LOOKUP_TABLE_IDLE_MS). */
  tableIdleMs: number;
}

/** DI token of the LookupConfig. */
export const LOOKUP_CONFIG = Symbol('LOOKUP_CONFIG');

const RULES: Record<keyof LookupConfig, WholeNumberRule> = {
  ratePerMinute: { env: 'PALERMO_LOOKUP_RATE_PER_MINUTE', fallback: 60, min: 1, max: 100_000 },
  timeoutMs: { env: 'PALERMO_LOOKUP_TIMEOUT_MS', fallback: 5_000, min: 100, max: 60_000 },
  maxSkewMs: { env: 'PALERMO_LOOKUP_MAX_SKEW_MS', fallback: 120_000, min: 1_000, max: 3_600_000 },
  matchWindowMs: { env: 'PALERMO_LOOKUP_MATCH_WINDOW_MS', fallback: 30_000, min: 1_000, max: 600_000 },
  tablePage: { env: 'PALERMO_LOOKUP_TABLE_PAGE', fallback: 200, min: 1, max: 10_000 },
  tableIdleMs: { env: 'PALERMO_LOOKUP_TABLE_IDLE_MS', fallback: 500, min: 10, max: 600_000 },
};

/** Parses the PALERMO_LOOKUP_* variables; anything but a whole number inside its range stops the boot with a ConfigError naming the variable. */
export function loadLookupConfig(env: NodeJS.ProcessEnv = process.env): LookupConfig {
  return readWholeNumbers(env, RULES);
}
