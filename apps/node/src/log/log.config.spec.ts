import { describe, expect, it } from 'vitest';
import { DEFAULT_LOG_CHECKPOINT_INTERVAL_MS, logCheckpointIntervalMs } from './log.config';

describe('PALERMO_LOG_CHECKPOINT_INTERVAL_MS', () => {
  it.each([
    [undefined, DEFAULT_LOG_CHECKPOINT_INTERVAL_MS],
    ['', DEFAULT_LOG_CHECKPOINT_INTERVAL_MS],
    ['1000', 1000],
    [' 60000 ', 60000],
    ['86400000', 86400000],
  ])('accepts %j', (raw, ms) => {
    expect(logCheckpointIntervalMs({ PALERMO_LOG_CHECKPOINT_INTERVAL_MS: raw })).toBe(ms);
  });

  it.each(['999', '86400001', '1e4', '60s', '-5', '1.5', 'abc', '0x3e8'])('refuses %j naming the variable', (raw) => {
    expect(() => logCheckpointIntervalMs({ PALERMO_LOG_CHECKPOINT_INTERVAL_MS: raw })).toThrow(/^PALERMO_LOG_CHECKPOINT_INTERVAL_MS=/);
  });
});
