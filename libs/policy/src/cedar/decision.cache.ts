/** Default number of equivalence classes an engine remembers. */
export const DEFAULT_DECISION_CACHE_SIZE = 50_000;

/**
 * Decisions by equivalence-class key, bounded: when full, the oldest class is forgotten (FIFO).
 * Size 0 turns caching off.
 */
export class DecisionCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly maxEntries: number = DEFAULT_DECISION_CACHE_SIZE) {}

  /** The value remembered for `key`, if any. */
  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  /** Remembers `value` for `key`, forgetting the oldest entry when the cache is full. */
  set(key: string, value: V): void {
    if (this.maxEntries <= 0) return;
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, value);
  }

  /** Number of classes remembered. */
  get size(): number {
    return this.entries.size;
  }
}
