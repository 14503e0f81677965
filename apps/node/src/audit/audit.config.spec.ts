import { describe, expect, it } from 'vitest';
import { checkpointIntervalMs, DEFAULT_CHECKPOINT_INTERVAL_MS } from './audit.config';

describe('PALERMO_AUDIT_CHECKPOINT_INTERVAL_MS', () => {
  it.each([
    [undefined, DEFAULT_CHECKPOINT_INTERVAL_MS],
    ['', DEFAULT_CHECKPOINT_INTERVAL_MS],
    ['1000', 1000],
    [' 60000 ', 60000],
    ['86400000', 86400000],
  ])('%j → %d ms', (raw, ms) => {
    expect(checkpointIntervalMs({ PALERMO_AUDIT_CHECKPOINT_INTERVAL_MS: raw })).toBe(ms);
  });

  it.each(['999', '86400001', '0', '-5', '1.5', '10s', '1e3x', 'NaN', '9'.repeat(400)])('refuses %j naming the variable', (raw) => {
    expect(() => checkpointIntervalMs({ PALERMO_AUDIT_CHECKPOINT_INTERVAL_MS: raw })).toThrow(/^PALERMO_AUDIT_CHECKPOINT_INTERVAL_MS=/);
  });
});
