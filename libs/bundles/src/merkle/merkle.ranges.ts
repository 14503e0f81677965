import { DomainError } from '@palermo/indicators';
import { hashNodeBytes } from './merkle.tree';

// A log kept in a database cannot hash every leaf for every request. Every subtree RFC 9162's
// recursion ever hashes starts at a multiple of its largest power-of-two part, so it is the
// right-fold of a few PERFECT subtrees (2^level leaves, aligned). A log that stores each perfect
// subtree once, when it completes, answers a root or a proof with O(log² n) stored hashes.

/** A perfect, aligned subtree: the leaves [index·2^level, (index+1)·2^level). */
export interface PerfectNode {
  level: number;
  index: number;
}

/** A range of leaves [lo, hi) whose RFC 9162 hash (MTH) a proof needs. */
export interface LeafRange {
  lo: number;
  hi: number;
}

/**
 * The perfect subtrees whose right-fold is MTH(D[lo:hi]), left to right (largest first). Throws
 * MERKLE_RANGE_INVALID for an empty range or one RFC 9162's recursion never produces (unaligned).
 */
export function rangeNodes(range: LeafRange): PerfectNode[] {
  const { lo, hi } = range;
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo < 0 || hi <= lo) throw new DomainError('MERKLE_RANGE_INVALID', `no subtree over leaves [${lo}, ${hi})`);
  const nodes: PerfectNode[] = [];
  let at = lo;
  while (at < hi) {
    const size = largestPowerOfTwoAtMost(hi - at);
    if (at % size !== 0) throw new DomainError('MERKLE_RANGE_INVALID', `leaves [${lo}, ${hi}) are not a subtree of an RFC 9162 tree`);
    nodes.push({ level: Math.log2(size), index: at / size });
    at += size;
  }
  return nodes;
}

/** MTH of a range from the hashes of its rangeNodes(), in that order: H(p1, H(p2, … H(pk-1, pk))). */
export function foldRange(perfect: readonly Uint8Array[]): Uint8Array {
  if (perfect.length === 0) throw new DomainError('MERKLE_RANGE_INVALID', 'a subtree has at least one perfect part');
  let acc = perfect[perfect.length - 1]!;
  for (let i = perfect.length - 2; i >= 0; i--) acc = hashNodeBytes(perfect[i]!, acc);
  return acc;
}

/** The ranges of PATH(index, D[size]) (RFC 9162 §2.1.3.1), from the leaf upwards: one hash each. */
export function inclusionRanges(index: number, size: number): LeafRange[] {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    throw new DomainError('MERKLE_INDEX_INVALID', `leaf index ${index} is outside a tree of ${size} leaves`);
  }
  const path: LeafRange[] = [];
  let [lo, hi, m] = [0, size, index];
  while (hi - lo > 1) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (m < k) {
      path.push({ lo: lo + k, hi });
      hi = lo + k;
    } else {
      path.push({ lo, hi: lo + k });
      lo += k;
      m -= k;
    }
  }
  return path.reverse();
}

/** The ranges of PROOF(m, D[n]) (RFC 9162 §2.1.4.1); empty for m = 0 and m = n. */
export function consistencyRanges(m: number, n: number): LeafRange[] {
  if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m < 0 || m > n) throw new DomainError('MERKLE_SIZE_INVALID', `cannot prove a tree of ${m} leaves against one of ${n}`);
  if (m === 0 || m === n) return [];
  return subproof(m, 0, n, true);
}

function subproof(m: number, lo: number, hi: number, known: boolean): LeafRange[] {
  const n = hi - lo;
  if (m === n) return known ? [] : [{ lo, hi }];
  const k = largestPowerOfTwoBelow(n);
  if (m <= k) return [...subproof(m, lo, lo + k, known), { lo: lo + k, hi }];
  return [...subproof(m - k, lo + k, hi, false), { lo, hi: lo + k }];
}

/**
 * The perfect subtrees that complete when `leafHashes` are appended to a log of `size` leaves, level 0
 * (the leaves themselves) included, with their hashes. `frontier` must hold the hashes of
 * rangeNodes({lo: 0, hi: size}) (none for an empty log), keyed by nodeKey(): the only old nodes an
 * append ever combines with.
 */
export function appendedNodes(size: number, leafHashes: readonly Uint8Array[], frontier: ReadonlyMap<string, Uint8Array>): (PerfectNode & { hash: Uint8Array })[] {
  const known = new Map(frontier);
  const made: (PerfectNode & { hash: Uint8Array })[] = [];
  const put = (level: number, index: number, hash: Uint8Array): void => {
    known.set(nodeKey({ level, index }), hash);
    made.push({ level, index, hash });
  };
  leafHashes.forEach((hash, i) => {
    let [level, index] = [0, size + i];
    put(level, index, hash);
    // A right child completes its parent; a left child waits for its sibling.
    while (index % 2 === 1) {
      const left = known.get(nodeKey({ level, index: index - 1 }));
      const right = known.get(nodeKey({ level, index }));
      if (!left || !right) throw new DomainError('MERKLE_FRONTIER_INCOMPLETE', `node ${level}/${index - 1} is missing from the frontier of a ${size}-leaf log`);
      index = (index - 1) / 2;
      level += 1;
      put(level, index, hashNodeBytes(left, right));
    }
  });
  return made;
}

/** The map key of a perfect node: `level/index`. */
export function nodeKey(node: PerfectNode): string {
  return `${node.level}/${node.index}`;
}

function largestPowerOfTwoAtMost(n: number): number {
  let k = 1;
  while (k * 2 <= n) k *= 2;
  return k;
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
