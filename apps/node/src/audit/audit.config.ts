import { ConfigError } from '../config/node.config';

/** Default: a signed checkpoint every 10 minutes (when the log moved). */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 600_000;
const MIN_MS = 1_000;
const MAX_MS = 86_400_000;

/**
 * PALERMO_AUDIT_CHECKPOINT_INTERVAL_MS, read once at boot: how often the node signs the head of its
 * audit log. Anything but an integer in 1,000–86,400,000 stops the boot naming the variable.
 */
export function checkpointIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.PALERMO_AUDIT_CHECKPOINT_INTERVAL_MS;
  if (raw === undefined || raw.trim() === '') return DEFAULT_CHECKPOINT_INTERVAL_MS;
  const ms = Number(raw.trim());
  if (!Number.isInteger(ms) || ms < MIN_MS || ms > MAX_MS) {
    throw new ConfigError(`PALERMO_AUDIT_CHECKPOINT_INTERVAL_MS=${JSON.stringify(raw)}: expected milliseconds between ${MIN_MS} and ${MAX_MS}`);
  }
  return ms;
}
