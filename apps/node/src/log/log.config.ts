import { ConfigError } from '../config/node.config';

/** Default: a signed feed-log checkpoint every minute (when new bundles were appended). */
export const DEFAULT_LOG_CHECKPOINT_INTERVAL_MS = 60_000;
const MIN_MS = 1_000;
const MAX_MS = 86_400_000;

/**
 * PALERMO_LOG_CHECKPOINT_INTERVAL_MS, read once at boot: how often the node signs and publishes a
 * checkpoint of its feed log. Anything but an integer in 1,000–86,400,000 stops the boot naming the variable.
 */
export function logCheckpointIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.PALERMO_LOG_CHECKPOINT_INTERVAL_MS;
  if (raw === undefined || raw.trim() === '') return DEFAULT_LOG_CHECKPOINT_INTERVAL_MS;
  const ms = Number(raw.trim());
  if (!/^\s*[0-9]+\s*$/.test(raw) || !Number.isInteger(ms) || ms < MIN_MS || ms > MAX_MS) {
    throw new ConfigError(`PALERMO_LOG_CHECKPOINT_INTERVAL_MS=${JSON.stringify(raw)}: expected milliseconds between ${MIN_MS} and ${MAX_MS}`);
  }
  return ms;
}
