import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils';
import { DomainError } from '@palermo/indicators';

// RFC 9162 §2.1.1: the two domain-separation prefixes keep a leaf from ever hashing like a node
// (second-preimage resistance), and SHA-256 is the hash of every Palermo log.
const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** Lower-case hex SHA-256 of the empty string: MTH({}), the root of the empty tree (RFC 9162 §2.1.1). */
export const EMPTY_TREE_ROOT = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** How a Merkle hash (leaf hash, node hash, root) is written: 64 lower-case hex digits. */
export const MERKLE_HASH_PATTERN = /^[0-9a-f]{64}$/;

/** The leaf of a bundle in its publisher's log: the 32 bytes of its hash (not the 64 hex characters). */
export function bundleLeaf(bundleHash: string): Uint8Array {
  if (!MERKLE_HASH_PATTERN.test(bundleHash)) throw new DomainError('MERKLE_LEAF_INVALID', `not a lower-case hex SHA-256 bundle hash: ${JSON.stringify(bundleHash).slice(0, 80)}`);
  return hexToBytes(bundleHash);
}

/** RFC 9162 leaf hash, SHA-256(0x00 || leaf), in lower-case hex. */
export function leafHash(leaf: Uint8Array): string {
  return bytesToHex(hashLeafBytes(leaf));
}

/** MTH(D[n]) of RFC 9162 §2.1.1 over the leaves, in lower-case hex; EMPTY_TREE_ROOT for no leaves. */
export function merkleRoot(leaves: readonly Uint8Array[]): string {
  if (leaves.length === 0) return EMPTY_TREE_ROOT;
  return bytesToHex(subtreeHash(leaves.map(hashLeafBytes), 0, leaves.length));
}

/** PATH(index, D[n]) of RFC 9162 §2.1.3.1: the inclusion proof of leaf `index`, hashes in lower-case hex. */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): string[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length) {
    throw new DomainError('MERKLE_INDEX_INVALID', `leaf index ${index} is outside a tree of ${leaves.length} leaves`);
  }
  const hashes = leaves.map(hashLeafBytes);
  const path: Uint8Array[] = [];
  let [lo, hi, m] = [0, leaves.length, index];
  // Iterative form of the recursion: walk down to the leaf, collecting the sibling subtree of each
  // level; PATH lists them from the leaf upwards, hence the reverse.
  while (hi - lo > 1) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (m < k) {
      path.push(subtreeHash(hashes, lo + k, hi));
      hi = lo + k;
    } else {
      path.push(subtreeHash(hashes, lo, lo + k));
      lo += k;
      m -= k;
    }
  }
  return path.reverse().map(bytesToHex);
}

/**
 * PROOF(m, D[n]) of RFC 9162 §2.1.4.1: proves the tree of the first `m` leaves is a prefix of the
 * tree of all of them. Empty for m = 0 and m = n (nothing to prove beyond comparing roots).
 */
export function consistencyProof(leaves: readonly Uint8Array[], m: number): string[] {
  const n = leaves.length;
  if (!Number.isSafeInteger(m) || m < 0 || m > n) throw new DomainError('MERKLE_SIZE_INVALID', `cannot prove a tree of ${m} leaves against one of ${n}`);
  if (m === 0 || m === n) return [];
  const hashes = leaves.map(hashLeafBytes);
  return subproof(hashes, m, 0, n, true).map(bytesToHex);
}

function subproof(hashes: Uint8Array[], m: number, lo: number, hi: number, known: boolean): Uint8Array[] {
  const n = hi - lo;
  if (m === n) return known ? [] : [subtreeHash(hashes, lo, hi)];
  const k = largestPowerOfTwoBelow(n);
  if (m <= k) return [...subproof(hashes, m, lo, lo + k, known), subtreeHash(hashes, lo + k, hi)];
  return [...subproof(hashes, m - k, lo + k, hi, false), subtreeHash(hashes, lo, lo + k)];
}

/** MTH of hashes[lo..hi) (already leaf hashes), hi > lo. */
function subtreeHash(hashes: Uint8Array[], lo: number, hi: number): Uint8Array {
  if (hi - lo === 1) return hashes[lo]!;
  const k = largestPowerOfTwoBelow(hi - lo);
  return hashNodeBytes(subtreeHash(hashes, lo, lo + k), subtreeHash(hashes, lo + k, hi));
}

/** The largest power of two strictly smaller than n (n ≥ 2). */
function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** SHA-256(0x00 || leaf). */
export function hashLeafBytes(leaf: Uint8Array): Uint8Array {
  return sha256.create().update(LEAF_PREFIX).update(leaf).digest();
}

/** SHA-256(0x01 || left || right). */
export function hashNodeBytes(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256.create().update(NODE_PREFIX).update(left).update(right).digest();
}
