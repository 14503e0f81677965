import { readWholeNumbers, type WholeNumberRule } from './whole-numbers.env';

/** How a node heals gaps in partners' chains and answers partners' resync requests (read once at boot). */
export interface ResyncConfig {
  /** How long one resync request waits for the publisher's answer (PALERMO_RESYNC_TIMEOUT_MS). */
  timeoutMs: number;
  /** Deliveries of the message that revealed a gap before its chain is given up as broken (PALERMO_RESYNC_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** Longest a chain waits for an unreachable publisher before it is given up as broken (PALERMO_RESYNC_MAX_WAIT_MS). */
  maxWaitMs: number;
  /** How far a request's time may be from this node's clock, either way (PALERMO_RESYNC_MAX_SKEW_MS). */
  maxSkewMs: number;
}

/** DI token of the ResyncConfig. */
export const RESYNC_CONFIG = Symbol('RESYNC_CONFIG');

const RULES: Record<keyof ResyncConfig, WholeNumberRule> = {
  timeoutMs: { env: 'PALERMO_RESYNC_TIMEOUT_MS', fallback: 5_000, min: 100, max: 120_000 },
  maxAttempts: { env: 'PALERMO_RESYNC_MAX_ATTEMPTS', fallback: 50, min: 1, max: 100_000 },
  maxWaitMs: { env: 'PALERMO_RESYNC_MAX_WAIT_MS', fallback: 3_600_000, min: 1_000, max: 30 * 86_400_000 },
  maxSkewMs: { env: 'PALERMO_RESYNC_MAX_SKEW_MS', fallback: 120_000, min: 1_000, max: 3_600_000 },
};

/**
 * Parses the PALERMO_RESYNC_* variables; anything but a whole number inside its range stops the
 * boot with a ConfigError naming the variable.
 */
export function loadResyncConfig(env: NodeJS.ProcessEnv = process.env): ResyncConfig {
  return readWholeNumbers(env, RULES);
}
