import { ristretto255 } from '@noble/curves/ed25519.js';
import { fromHex } from './lookup.hex';
import type { LookupFailure } from './lookup.result';

/** Bytes of a serialized ristretto255 element (RFC 9497 Ne). */
export const ELEMENT_BYTES = 32;
/** Bytes of a ristretto255 scalar: keys and blinds (RFC 9497 Ns). */
export const SCALAR_BYTES = 32;

/** What is wrong with an element from the wire, for logs and tests (the code is always LOOKUP_ELEMENT_INVALID). */
export type ElementProblem = 'not-bytes' | 'length' | 'encoding' | 'non-canonical' | 'identity';
/** A refused element: LOOKUP_ELEMENT_INVALID and what exactly is wrong. */
export type ElementFailure = LookupFailure & { code: 'LOOKUP_ELEMENT_INVALID'; problem: ElementProblem };

const { Point } = ristretto255;

/**
 * Checks an element received from another node (lower-case hex or bytes): 32 bytes, a canonical
 * ristretto255 encoding, and not the identity, which RFC 9497 §3.3 says MUST be refused (it would make the
 * evaluation independent of the key or the input). Never throws.
 */
export function decodeElement(value: unknown): { ok: true; element: Uint8Array } | ElementFailure {
  const bytes = elementBytes(value);
  if (typeof bytes === 'string') return elementInvalid(bytes, describe(bytes));
  let point: InstanceType<typeof Point>;
  try {
    point = Point.fromBytes(bytes);
  } catch {
    return elementInvalid('non-canonical', 'is not a canonical ristretto255 encoding');
  }
  if (point.equals(Point.ZERO)) return elementInvalid('identity', 'is the identity element');
  return { ok: true, element: bytes };
}

/** The scalar of 32 bytes when they encode one canonically (little-endian, below the group order) and it is not zero. */
export function scalarOf(bytes: unknown): bigint | undefined {
  if (!(bytes instanceof Uint8Array) || bytes.length !== SCALAR_BYTES) return undefined;
  try {
    const scalar = Point.Fn.fromBytes(bytes);
    return Point.Fn.is0(scalar) ? undefined : scalar;
  } catch {
    return undefined;
  }
}

function elementBytes(value: unknown): Uint8Array | ElementProblem {
  if (value instanceof Uint8Array) return value.length === ELEMENT_BYTES ? value : 'length';
  if (typeof value !== 'string') return 'not-bytes';
  if (value.length !== ELEMENT_BYTES * 2) return 'length';
  return fromHex(value, ELEMENT_BYTES) ?? 'encoding';
}

function describe(problem: ElementProblem): string {
  switch (problem) {
    case 'not-bytes':
      return 'is neither a hex string nor bytes';
    case 'length':
      return `is not ${ELEMENT_BYTES} bytes (${ELEMENT_BYTES * 2} hex digits)`;
    default:
      return 'is not lower-case hex';
  }
}

function elementInvalid(problem: ElementProblem, message: string): ElementFailure {
  return { ok: false, code: 'LOOKUP_ELEMENT_INVALID', message: `element ${message}`, problem };
}
