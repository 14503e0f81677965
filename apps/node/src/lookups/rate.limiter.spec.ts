import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate.limiter';

describe('RateLimiter', () => {
  it('grants a burst of perMinute, then refuses with the seconds until the next token', () => {
    const limiter = new RateLimiter(3);
    const t = 1_000_000;
    expect([1, 2, 3].map(() => limiter.take('de-bka', t).ok)).toEqual([true, true, true]);
    expect(limiter.take('de-bka', t)).toEqual({ ok: false, retryAfterSeconds: 20 });
    expect(limiter.take('us-hsi', t).ok).toBe(true);
    expect(limiter.take('de-bka', t + 10_000)).toEqual({ ok: false, retryAfterSeconds: 10 });
    expect(limiter.take('de-bka', t + 20_000).ok).toBe(true);
  });

  it('never refills beyond the burst', () => {
    const limiter = new RateLimiter(2);
    expect(limiter.take('a', 0).ok).toBe(true);
    for (const ok of [true, true, false]) expect(limiter.take('a', 3_600_000).ok).toBe(ok);
  });
});
