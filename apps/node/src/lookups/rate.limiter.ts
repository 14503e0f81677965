/**
 * A token bucket per partner, in memory: `perMinute` lookups in a burst, refilled continuously at
 * `perMinute` per minute. In memory on purpose (one process per node): a restart refills every bucket,
 * which at worst grants one extra minute's worth. Bounded by the pinned partners that ask.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly perMinute: number) {}

  /** Takes one token for `partner`: ok, or how many whole seconds until one is available. */
  take(partner: string, now = Date.now()): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const ratePerMs = this.perMinute / 60_000;
    const bucket = this.buckets.get(partner) ?? { tokens: this.perMinute, at: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + Math.max(0, now - bucket.at) * ratePerMs);
    bucket.at = now;
    this.buckets.set(partner, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerMs / 1000)) };
  }
}
