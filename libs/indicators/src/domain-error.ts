/**
 * A failure the caller can act on, with a stable code (e.g. BUNDLE_SIGNATURE_INVALID).
 * Services throw these; the HTTP and NATS edges map the code to a status. Never an HTTP exception.
 */
export class DomainError extends Error {
  constructor(
    /** Stable, SCREAMING_SNAKE code that clients and tests match on. */
    readonly code: string,
    message: string,
    /** Optional structured detail (e.g. a per-item error list); must never hold secrets. */
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** The message of a caught value, which need not be an Error. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One problem with one field of one input item. */
export interface FieldError {
  /** Index of the item in a batch, when the input was a batch. */
  index?: number;
  /** Path to the field inside the item, e.g. ["value"] or ["tags", 2]. */
  path: (string | number)[];
  /** Stable code, e.g. PHONE_INVALID, UNKNOWN_FIELD, TOO_MANY_ITEMS. */
  code: string;
  /** Human-readable explanation. */
  message: string;
}
