import { ConfigError } from './node.config';

/** Where one whole-number setting comes from, its default, and its inclusive range. */
export interface WholeNumberRule {
  env: string;
  fallback: number;
  min: number;
  max: number;
}

/**
 * Reads one whole number per rule from the environment (blank or unset = the fallback); anything
 * but a whole number inside its range stops the boot with a ConfigError naming the variable.
 */
export function readWholeNumbers<K extends string>(env: NodeJS.ProcessEnv, rules: Record<K, WholeNumberRule>): Record<K, number> {
  const read = ({ env: name, fallback, min, max }: WholeNumberRule): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const n = Number(raw.trim());
    if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name}=${JSON.stringify(raw)}: expected a whole number from ${min} to ${max}`);
    return n;
  };
  const keys = Object.keys(rules) as K[];
  return Object.fromEntries(keys.map((k) => [k, read(rules[k])])) as Record<K, number>;
}
