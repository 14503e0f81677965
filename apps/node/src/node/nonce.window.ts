/**
 * Remembers the nonces of accepted requests for as long as their time is acceptable at all
 * (twice the clock skew), so a captured request replayed within that window is refused; an older
 * replay is refused as stale anyway. Bounded: past `capacity` live nonces everything is refused
 * until some expire (a flood cannot grow memory).
 */
export class NonceWindow {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly capacity = 100_000,
  ) {}

  /** 'fresh' (and remembered), 'replayed', or 'full'. */
  claim(nonce: string, now = Date.now()): 'fresh' | 'replayed' | 'full' {
    for (const [key, expires] of this.seen) {
      if (expires > now) break;
      this.seen.delete(key);
    }
    if (this.seen.has(nonce)) return 'replayed';
    if (this.seen.size >= this.capacity) return 'full';
    this.seen.set(nonce, now + this.ttlMs);
    return 'fresh';
  }
}
