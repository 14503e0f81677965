import { describe, expect, it } from 'vitest';
import { loadResyncConfig } from './resync.config';

describe('PALERMO_RESYNC_*', () => {
  it('defaults: 5 s per request, 50 attempts or one hour before a chain is given up, 2 min clock skew', () => {
    expect(loadResyncConfig({})).toEqual({ timeoutMs: 5_000, maxAttempts: 50, maxWaitMs: 3_600_000, maxSkewMs: 120_000 });
  });

  it('reads each variable', () => {
    const env = { PALERMO_RESYNC_TIMEOUT_MS: '250', PALERMO_RESYNC_MAX_ATTEMPTS: ' 3 ', PALERMO_RESYNC_MAX_WAIT_MS: '60000', PALERMO_RESYNC_MAX_SKEW_MS: '', PALERMO_X: 'y' };
    expect(loadResyncConfig(env)).toEqual({ timeoutMs: 250, maxAttempts: 3, maxWaitMs: 60_000, maxSkewMs: 120_000 });
  });

  it.each([
    ['PALERMO_RESYNC_TIMEOUT_MS', '99'],
    ['PALERMO_RESYNC_TIMEOUT_MS', '5s'],
    ['PALERMO_RESYNC_MAX_ATTEMPTS', '0'],
    ['PALERMO_RESYNC_MAX_ATTEMPTS', '1.5'],
    ['PALERMO_RESYNC_MAX_WAIT_MS', '-1'],
    ['PALERMO_RESYNC_MAX_WAIT_MS', '9'.repeat(400)],
    ['PALERMO_RESYNC_MAX_SKEW_MS', 'NaN'],
    ['PALERMO_RESYNC_MAX_SKEW_MS', '3600001'],
  ])('refuses %s=%j naming the variable', (name, raw) => {
    expect(() => loadResyncConfig({ [name]: raw })).toThrow(new RegExp(`^${name}=`));
  });
});
