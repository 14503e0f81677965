import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendedNodes, consistencyRanges, foldRange, inclusionRanges, nodeKey, rangeNodes } from './merkle.ranges';
import { consistencyProof, hashLeafBytes, inclusionProof, merkleRoot } from './merkle.tree';

// The stored-subtree form of the log must give exactly the roots and proofs of the in-memory
// RFC 9162 functions (themselves tested against the RFC's recursive definitions in merkle.spec.ts).
const leaves = Array.from({ length: 70 }, (_, i) => createHash('sha256').update(`bundle ${i}`).digest());
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A log built by appending in batches of the given sizes, as the store does. */
function build(n: number, batches: number[]): Map<string, Uint8Array> {
  const nodes = new Map<string, Uint8Array>();
  let size = 0;
  for (const want of [...batches, n]) {
    const count = Math.min(want, n - size);
    if (count <= 0) continue;
    const frontier = new Map(size === 0 ? [] : rangeNodes({ lo: 0, hi: size }).map((p) => [nodeKey(p), nodes.get(nodeKey(p))!] as const));
    for (const node of appendedNodes(size, leaves.slice(size, size + count).map((l) => hashLeafBytes(l)), frontier)) nodes.set(nodeKey(node), node.hash);
    size += count;
  }
  return nodes;
}
const mth = (nodes: Map<string, Uint8Array>, lo: number, hi: number) => hex(foldRange(rangeNodes({ lo, hi }).map((p) => nodes.get(nodeKey(p))!)));

describe('Merkle log from stored perfect subtrees', () => {
  it('gives the RFC 9162 root, inclusion and consistency proofs for every size and index', () => {
    const nodes = build(leaves.length, [1, 2, 5, 8, 13]);
    for (let n = 1; n <= leaves.length; n++) {
      expect(mth(nodes, 0, n)).toBe(merkleRoot(leaves.slice(0, n)));
      for (let i = 0; i < n; i += 7) {
        expect(inclusionRanges(i, n).map((r) => mth(nodes, r.lo, r.hi))).toEqual(inclusionProof(leaves.slice(0, n), i));
      }
      for (let m = 0; m <= n; m += 3) {
        expect(consistencyRanges(m, n).map((r) => mth(nodes, r.lo, r.hi))).toEqual(consistencyProof(leaves.slice(0, n), m));
      }
    }
  });

  it('stores the same nodes whatever the batch sizes (about 2n of them)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 12 }), (n, batches) => {
        const nodes = build(n, batches);
        const once = build(n, [n]);
        expect([...nodes.keys()].sort()).toEqual([...once.keys()].sort());
        expect(nodes.size).toBeLessThan(2 * n);
        expect(mth(nodes, 0, n)).toBe(merkleRoot(leaves.slice(0, n)));
      }),
      { numRuns: 60 },
    );
  });

  it('needs only O(log n) perfect parts per range', () => {
    expect(rangeNodes({ lo: 0, hi: 2 ** 40 - 1 })).toHaveLength(40);
    expect(rangeNodes({ lo: 0, hi: 13 })).toEqual([{ level: 3, index: 0 }, { level: 2, index: 2 }, { level: 0, index: 12 }]);
  });

  it('refuses ranges and appends that cannot be right', () => {
    expect(() => rangeNodes({ lo: 3, hi: 3 })).toThrow(expect.objectContaining({ code: 'MERKLE_RANGE_INVALID' }));
    expect(() => rangeNodes({ lo: 1, hi: 3 })).toThrow(expect.objectContaining({ code: 'MERKLE_RANGE_INVALID' }));
    expect(() => inclusionRanges(4, 4)).toThrow(expect.objectContaining({ code: 'MERKLE_INDEX_INVALID' }));
    expect(() => consistencyRanges(5, 4)).toThrow(expect.objectContaining({ code: 'MERKLE_SIZE_INVALID' }));
    // Appending after 3 leaves without the frontier (leaf 2 and subtree 0..1) cannot be done silently.
    expect(() => appendedNodes(3, [hashLeafBytes(leaves[3]!)], new Map())).toThrow(expect.objectContaining({ code: 'MERKLE_FRONTIER_INCOMPLETE' }));
    expect(() => foldRange([])).toThrow(expect.objectContaining({ code: 'MERKLE_RANGE_INVALID' }));
  });
});
