import { DomainError } from '@palermo/indicators';

/** Why a bundle cannot be built for its audience (its partner's pin): that chain waits, the others go on. */
const HELD_CODES = new Set(['BUNDLE_ENCRYPTION_FAILED', 'PARTNER_NOT_PINNED', 'PARTNER_KEY_CANNOT_ENCRYPT', 'KEY_INVALID']);

/** A chain whose next bundle cannot be sent (e.g. its partner's pinned key cannot be encrypted to); tried again each pass. */
export interface HeldAudience {
  audience: string;
  /** The bundle that waits (and, in chain order, everything after it). */
  bundle: string;
  code: string;
  message: string;
  since: string;
}

/**
 * The exporter's held chains: an error that belongs to one audience holds that chain (later bundles
 * must not overtake the one that waits) for the rest of the pass, instead of stopping every chain.
 */
export class ExportHolds {
  private readonly held = new Map<string, HeldAudience>();
  private readonly skipped = new Set<string>();

  /** A new pass tries every held chain again. */
  newPass(): void {
    this.skipped.clear();
  }

  /** Whether this pass skips `audience`. */
  skips(audience: string): boolean {
    return this.skipped.has(audience);
  }

  /**
   * Holds the chain of `audience` at `bundle` when `err` is that audience's; false for any other
   * error (the caller rethrows it). Returns 'new' the first time (or when the reason changed), to log once.
   */
  hold(audience: string, bundle: string, err: unknown): false | 'new' | 'again' {
    if (!(err instanceof DomainError && HELD_CODES.has(err.code))) return false;
    this.skipped.add(audience);
    const before = this.held.get(audience);
    if (before?.bundle === bundle && before.code === err.code) return 'again';
    this.held.set(audience, { audience, bundle, code: err.code, message: err.message, since: new Date().toISOString() });
    return 'new';
  }

  /** The chain of `audience` moves again; true when it was held. */
  release(audience: string): boolean {
    return this.held.delete(audience);
  }

  list(): HeldAudience[] {
    return [...this.held.values()];
  }
}
