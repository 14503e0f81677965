import type { CollectionPosition } from '@palermo/store';
import { DomainError } from '@palermo/indicators';

// `next` is opaque to clients (base64url JSON, versioned) and bound to its collection, so a cursor
// from one collection cannot walk another.
const SEQ = /^[0-9]{1,19}$/;
const MAX_CURSOR_LENGTH = 512;

/** Encodes where the next page of `collection` starts. */
export function encodeNext(collection: string, position: CollectionPosition): string {
  const p = position.kind === 'local' ? { l: position.seq } : { s: position.seq, i: position.index };
  return Buffer.from(JSON.stringify({ v: 1, c: collection, ...p }), 'utf8').toString('base64url');
}

/** Decodes a `next` this server issued for `collection`; anything else is 400 INVALID_CURSOR. */
export function decodeNext(collection: string, next: string): CollectionPosition {
  if (next.length <= MAX_CURSOR_LENGTH && /^[A-Za-z0-9_-]+$/.test(next)) {
    try {
      const c = JSON.parse(Buffer.from(next, 'base64url').toString('utf8')) as Record<string, unknown>;
      if (c.v === 1 && c.c === collection) {
        if (typeof c.l === 'string' && SEQ.test(c.l)) return { kind: 'local', seq: c.l };
        if (isInt(c.s, 1) && isInt(c.i, -1)) return { kind: 'audience', seq: c.s, index: c.i };
      }
    } catch {
      // malformed base64 or JSON: the same client mistake as a wrong shape
    }
  }
  throw new DomainError('INVALID_CURSOR', 'next is not a cursor this server issued for this collection');
}

function isInt(v: unknown, min: number): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v < 2 ** 31;
}
