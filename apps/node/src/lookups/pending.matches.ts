/** What the responder remembers of an evaluated request until its match arrives (never the element or any output). */
export interface PendingMatch {
  requester: string;
  keyEpoch: number;
  type: string;
  purpose: string;
  expiresAt: number;
}

/**
 * Requests this responder evaluated, by requestId, for `windowMs`: a match is accepted only for one
 * of them, from the same requester, and only once (take removes it). Bounded: past `capacity` the
 * oldest are forgotten first (their matches are then refused, never accepted blindly).
 */
export class PendingMatches {
  private readonly pending = new Map<string, PendingMatch>();

  constructor(
    private readonly windowMs: number,
    private readonly capacity = 10_000,
  ) {}

  /** Remembers an evaluated request. */
  put(requestId: string, entry: Omit<PendingMatch, 'expiresAt'>, now = Date.now()): void {
    this.expire(now);
    while (this.pending.size >= this.capacity) this.pending.delete(this.pending.keys().next().value!);
    this.pending.set(requestId, { ...entry, expiresAt: now + this.windowMs });
  }

  /** The request, removed, when it was evaluated for `requester` within the window; else null (unknown, used, expired or someone else's). */
  take(requestId: string, requester: string, now = Date.now()): PendingMatch | null {
    this.expire(now);
    const entry = this.pending.get(requestId);
    if (!entry || entry.requester !== requester) return null;
    this.pending.delete(requestId);
    return entry;
  }

  private expire(now: number): void {
    for (const [id, entry] of this.pending) {
      if (entry.expiresAt > now) break;
      this.pending.delete(id);
    }
  }
}
