import { nearMatchThreshold, NEAR_MATCH_THRESHOLDS, type ImageHashAlgorithm } from '@palermo/indicators';
import { ConfigError } from './node.config';

/** Near-match thresholds of the correlation alerts, in bits (read once at boot). */
export interface AlertsConfig {
  /** PDQ threshold (PALERMO_ALERT_PDQ_THRESHOLD, default 31, at most 47). */
  pdqThreshold: number;
  /** pHash threshold (PALERMO_ALERT_PHASH_THRESHOLD, default 10, at most 15). */
  phashThreshold: number;
}

/** DI token of the AlertsConfig. */
export const ALERTS_CONFIG = Symbol('ALERTS_CONFIG');

/**
 * Parses PALERMO_ALERT_PDQ_THRESHOLD and PALERMO_ALERT_PHASH_THRESHOLD with the near-match index's
 * own rule (nearMatchThreshold); anything else stops the boot with a ConfigError naming the variable.
 */
export function loadAlertsConfig(env: NodeJS.ProcessEnv = process.env): AlertsConfig {
  const read = (name: string, algorithm: ImageHashAlgorithm): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return NEAR_MATCH_THRESHOLDS[algorithm].default;
    const n = /^[0-9]{1,3}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
    try {
      return nearMatchThreshold(algorithm, n);
    } catch {
      throw new ConfigError(`${name}=${JSON.stringify(raw)}: expected a whole number of bits from 0 to ${NEAR_MATCH_THRESHOLDS[algorithm].max}`);
    }
  };
  return { pdqThreshold: read('PALERMO_ALERT_PDQ_THRESHOLD', 'pdq'), phashThreshold: read('PALERMO_ALERT_PHASH_THRESHOLD', 'phash') };
}
