import { DomainError } from '@palermo/indicators';

// Cursors are opaque to clients (base64url JSON) so the key they carry can change without an API
// change; `v` versions the format. They point at the last row returned (rows are newest first).
const KEY_PATTERN = /^[0-9]{1,19}$/;

/** Encodes the surrogate key of the last row of a page as an opaque cursor. */
export function encodeCursor(key: string): string {
  return Buffer.from(JSON.stringify({ v: 1, k: key }), 'utf8').toString('base64url');
}

/** Decodes a cursor back to the surrogate key; a tampered or foreign cursor is INVALID_CURSOR. */
export function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: unknown; k?: unknown };
    if (parsed.v === 1 && typeof parsed.k === 'string' && KEY_PATTERN.test(parsed.k)) return parsed.k;
  } catch {
    // fall through: malformed base64 or JSON is the same client mistake as a wrong shape
  }
  throw new DomainError('INVALID_CURSOR', 'the cursor is not one this server issued');
}

/** Builds a page from `limit + 1` fetched rows: the extra row only tells that a next page exists. */
export function toPage<R, T>(rows: R[], limit: number, keyOf: (row: R) => string, map: (row: R) => T) {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return {
    items: pageRows.map(map),
    nextCursor: hasMore && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}
