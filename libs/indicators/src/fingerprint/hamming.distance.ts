import { DomainError } from '../domain-error';

const HASH = /^(?:([a-z0-9]+):)?([0-9a-f]+)$/;
const BITS_PER_NIBBLE = [0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4];

/**
 * Number of bits in which two hex hashes of the same algorithm differ: normalized values such as
 * `simhash64:…`, `pdq:…`, `phash:…`, or two bare hex strings of the same length. Comparing hashes of
 * different algorithms (or lengths) means nothing, so it throws DomainError HASH_ALGORITHM_MISMATCH;
 * a value that is not lower-case hex (optionally prefixed) throws HASH_INVALID.
 */
export function hammingDistance(a: string, b: string): number {
  const [algA, hexA] = splitHash(a);
  const [algB, hexB] = splitHash(b);
  if (algA !== algB || hexA.length !== hexB.length) {
    throw new DomainError('HASH_ALGORITHM_MISMATCH', `cannot compare ${describe(algA, hexA)} with ${describe(algB, hexB)}`);
  }
  let distance = 0;
  for (let i = 0; i < hexA.length; i++) distance += BITS_PER_NIBBLE[parseInt(hexA[i], 16) ^ parseInt(hexB[i], 16)];
  return distance;
}

function splitHash(value: string): [string, string] {
  const match = typeof value === 'string' && value.length <= 512 ? HASH.exec(value) : null;
  if (!match) {
    const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 64)) : typeof value;
    throw new DomainError('HASH_INVALID', `${shown} is not a hex hash (e.g. simhash64:<16 hex>, pdq:<64 hex>)`);
  }
  return [match[1] ?? '', match[2]];
}

function describe(algorithm: string, hex: string): string {
  return `${algorithm || 'a bare'} hash of ${hex.length * 4} bits`;
}
