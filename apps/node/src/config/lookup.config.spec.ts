import { describe, expect, it } from 'vitest';
import { loadLookupConfig } from './lookup.config';

describe('loadLookupConfig', () => {
  it('has defaults', () => {
    expect(loadLookupConfig({})).toMatchObject({ ratePerMinute: 60, timeoutMs: 5_000, matchWindowMs: 30_000, tablePage: 200 });
  });

  it('reads whole numbers in range and names the variable that is wrong', () => {
    expect(loadLookupConfig({ PALERMO_LOOKUP_RATE_PER_MINUTE: ' 5 ' }).ratePerMinute).toBe(5);
    for (const bad of ['0', '1.5', 'ten', '100001']) expect(() => loadLookupConfig({ PALERMO_LOOKUP_RATE_PER_MINUTE: bad })).toThrow(/PALERMO_LOOKUP_RATE_PER_MINUTE/);
    expect(() => loadLookupConfig({ PALERMO_LOOKUP_TIMEOUT_MS: '5' })).toThrow(/PALERMO_LOOKUP_TIMEOUT_MS/);
  });
});
