import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bundleLeaf, consistencyProof, EMPTY_TREE_ROOT, inclusionProof, leafHash, merkleRoot } from './merkle.tree';
import { verifyConsistency, verifyInclusion } from './merkle.verify';

// A reference written straight from the recursive definitions of RFC 9162 §2.1 (slices, node:crypto),
// sharing no code with the implementation under test.
const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const refLeaf = (d: Uint8Array) => sha(Buffer.of(0), Buffer.from(d));
const split = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1);
function mth(d: Uint8Array[]): Buffer {
  if (d.length === 0) return sha();
  if (d.length === 1) return refLeaf(d[0]!);
  const k = split(d.length);
  return sha(Buffer.of(1), mth(d.slice(0, k)), mth(d.slice(k)));
}
function refPath(m: number, d: Uint8Array[]): Buffer[] {
  if (d.length === 1) return [];
  const k = split(d.length);
  return m < k ? [...refPath(m, d.slice(0, k)), mth(d.slice(k))] : [...refPath(m - k, d.slice(k)), mth(d.slice(0, k))];
}
function refSubproof(m: number, d: Uint8Array[], b: boolean): Buffer[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const k = split(d.length);
  return m <= k ? [...refSubproof(m, d.slice(0, k), b), mth(d.slice(k))] : [...refSubproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}
const hex = (list: Buffer[]) => list.map((b) => b.toString('hex'));

const leaves = Array.from({ length: 64 }, (_, i) => createHash('sha256').update(`bundle ${i}`).digest());
const flip = (h: string, bit = 0) => (parseInt(h[0]!, 16) ^ (1 << bit)).toString(16) + h.slice(1);
const OTHER = 'abacaba000000000000000000000000000000000000000000060061e00123456';

describe('RFC 9162 Merkle tree: known answers', () => {
  it('the empty tree has SHA-256 of the empty string as its root', () => {
    expect(merkleRoot([])).toBe(EMPTY_TREE_ROOT);
    expect(EMPTY_TREE_ROOT).toBe(createHash('sha256').digest('hex'));
  });

  // transparency-dev/merkle proof/verify_test.go (the Certificate Transparency test tree of 8 leaves).
  const ct = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => Buffer.from(h, 'hex'));
  const ctRoots = [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
    '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
    'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
    '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
  ];

  it('roots of the CT test tree at sizes 1..8', () => {
    ctRoots.forEach((root, i) => expect(merkleRoot(ct.slice(0, i + 1))).toBe(root));
  });

  it.each<[number, number, string[]]>([
    [0, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
    [5, 8, ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
    [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
    [1, 5, ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
  ])('inclusion proof of leaf %i in the CT tree of %i', (index, size, proof) => {
    expect(inclusionProof(ct.slice(0, size), index)).toEqual(proof);
    expect(verifyInclusion(leafHash(ct[index]!), index, size, proof, ctRoots[size - 1]!)).toEqual({ ok: true });
  });

  it.each<[number, number, string[]]>([
    [1, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
    [6, 8, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
    [2, 5, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
    [6, 7, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  ])('consistency proof from %i to %i in the CT tree', (m, n, proof) => {
    expect(consistencyProof(ct.slice(0, n), m)).toEqual(proof);
    expect(verifyConsistency(m, n, ctRoots[m - 1]!, ctRoots[n - 1]!, proof)).toEqual({ ok: true });
  });

  it('a bundle leaf is the 32 bytes of its hash; anything else is refused', () => {
    expect(bundleLeaf(EMPTY_TREE_ROOT)).toEqual(new Uint8Array(createHash('sha256').digest()));
    for (const bad of ['', EMPTY_TREE_ROOT.toUpperCase(), `${EMPTY_TREE_ROOT}00`, 'xyz']) expect(() => bundleLeaf(bad)).toThrow(expect.objectContaining({ code: 'MERKLE_LEAF_INVALID' }));
  });
});

describe('RFC 9162 Merkle tree against the recursive definitions, trees of 1..64 leaves', () => {
  it('roots and every inclusion proof match the reference and verify; every tampering fails', () => {
    let checked = 0;
    for (let n = 1; n <= 64; n++) {
      const tree = leaves.slice(0, n);
      const root = merkleRoot(tree);
      expect(root).toBe(mth(tree).toString('hex'));
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(tree, i);
        expect(proof).toEqual(hex(refPath(i, tree)));
        const lh = leafHash(tree[i]!);
        expect(verifyInclusion(lh, i, n, proof, root)).toEqual({ ok: true });
        // Not tampered: the size alone (n ± 1). Leaf i's path can have the same shape in trees of
        // neighbouring sizes, and RFC 9162 binds the size through the signed tree head, not the proof.
        const tampered: [string, number, number, string[], string][] = [
          ['index - 1', i - 1, n, proof, root],
          ['index + 1', i + 1, n, proof, root],
          ['index ^ 2', i ^ 2, n, proof, root],
          ['size * 2', i, n * 2, proof, root],
          ['size / 2', i, Math.floor(n / 2), proof, root],
          ['other leaf', i, n, proof, root],
          ['empty root', i, n, proof, EMPTY_TREE_ROOT],
          ['other root', i, n, proof, OTHER],
          ['trailing hash', i, n, [...proof, root], root],
          ['preceding hash', i, n, [root, ...proof], root],
          ...proof.map((_, j): [string, number, number, string[], string] => [`bit flipped in proof[${j}]`, i, n, proof.map((h, x) => (x === j ? flip(h, 3) : h)), root]),
          ...(proof.length > 0 ? [['removed hash', i, n, proof.slice(0, -1), root] as [string, number, number, string[], string]] : []),
          ...(proof.length > 1 ? [['reordered', i, n, [...proof].reverse(), root] as [string, number, number, string[], string]] : []),
        ];
        for (const [name, index, size, p, r] of tampered) {
          const leaf = name === 'other leaf' ? leafHash(leaves[(i + 1) % 64]!) : lh;
          // size * 2 equals n only for… never (n ≥ 1); size / 2 for n = 1 is 0, refused as input.
          const result = verifyInclusion(leaf, index, size, p, r);
          if (result.ok) throw new Error(`tree ${n}, leaf ${i}: "${name}" verified`);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(30_000);
  }, 120_000);

  it('every consistency proof (m, n), 0 ≤ m ≤ n ≤ 64, matches the reference and verifies; every tampering fails', () => {
    const roots = [EMPTY_TREE_ROOT, ...Array.from({ length: 64 }, (_, i) => merkleRoot(leaves.slice(0, i + 1)))];
    for (let n = 1; n <= 64; n++) {
      const tree = leaves.slice(0, n);
      for (let m = 0; m <= n; m++) {
        const proof = consistencyProof(tree, m);
        expect(proof).toEqual(m === 0 || m === n ? [] : hex(refSubproof(m, tree, true)));
        expect(verifyConsistency(m, n, roots[m]!, roots[n]!, proof)).toEqual({ ok: true });
        if (m === 0 || m === n) continue;
        const tampered: [string, number, number, string, string, string[]][] = [
          ['m - 1', m - 1, n, roots[m]!, roots[n]!, proof],
          ['m + 1', m + 1, n, roots[m]!, roots[n]!, proof],
          ['n * 2', m, n * 2, roots[m]!, roots[n]!, proof],
          ['other first root', m, n, OTHER, roots[n]!, proof],
          ['other second root', m, n, roots[m]!, OTHER, proof],
          ['swapped roots', m, n, roots[n]!, roots[m]!, proof],
          ['empty proof', m, n, roots[m]!, roots[n]!, []],
          ['trailing hash', m, n, roots[m]!, roots[n]!, [...proof, roots[n]!]],
          ['preceding hash', m, n, roots[m]!, roots[n]!, [roots[m]!, ...proof]],
          ['truncated', m, n, roots[m]!, roots[n]!, proof.slice(0, -1)],
          ...proof.map((_, j): [string, number, number, string, string, string[]] => [`bit flipped in proof[${j}]`, m, n, roots[m]!, roots[n]!, proof.map((h, x) => (x === j ? flip(h, 0) : h))]),
        ];
        for (const [name, a, b, ra, rb, p] of tampered) {
          if (verifyConsistency(a, b, ra, rb, p).ok) throw new Error(`(${m}, ${n}): "${name}" verified`);
        }
      }
    }
  }, 120_000);

  it('a different history of the same length is not consistent with the original', () => {
    const forked = [...leaves.slice(0, 10), createHash('sha256').update('forged').digest(), ...leaves.slice(11, 20)];
    for (const m of [5, 10, 11, 16]) {
      const proof = consistencyProof(forked, m);
      const honestRoot = merkleRoot(leaves.slice(0, m));
      expect(verifyConsistency(m, 20, honestRoot, merkleRoot(forked), proof).ok).toBe(m <= 10);
    }
  });
});

describe('RFC 9162 Merkle proofs: sizes beyond 32 bits and hostile input', () => {
  // A perfect tree of 2^40 equal leaves has one hash per level, so its proofs can be written down
  // without building it: this checks the verifiers do not use 32-bit shifts.
  const levels = [Buffer.from(leafHash(Buffer.from('x')), 'hex')];
  for (let i = 1; i <= 41; i++) levels.push(sha(Buffer.of(1), levels[i - 1]!, levels[i - 1]!));
  const at = (i: number) => levels[i]!.toString('hex');
  const big = 2 ** 40;

  it('inclusion at index 2^40 - 1 and 2^40 of trees of 2^40 and 2^40 + 1 leaves', () => {
    const path40 = Array.from({ length: 40 }, (_, i) => at(i));
    expect(verifyInclusion(at(0), big - 1, big, path40, at(40))).toEqual({ ok: true });
    const rootPlusOne = sha(Buffer.of(1), levels[40]!, levels[0]!).toString('hex');
    expect(verifyInclusion(at(0), big, big + 1, [at(40)], rootPlusOne)).toEqual({ ok: true });
    expect(verifyInclusion(at(0), 0, big + 1, [...path40, at(0)], rootPlusOne)).toEqual({ ok: true });
    expect(verifyInclusion(at(0), big - 1, big + 1, path40, rootPlusOne).ok).toBe(false);
    expect(verifyConsistency(big, big + 1, at(40), rootPlusOne, [at(0)])).toEqual({ ok: true });
    expect(verifyConsistency(big, big * 2, at(40), at(41), [at(40)])).toEqual({ ok: true });
  });

  it.each<[string, () => ReturnType<typeof verifyInclusion>]>([
    ['a negative index', () => verifyInclusion(EMPTY_TREE_ROOT, -1, 4, [], EMPTY_TREE_ROOT)],
    ['a fractional size', () => verifyInclusion(EMPTY_TREE_ROOT, 0, 1.5, [], EMPTY_TREE_ROOT)],
    ['an unsafe size', () => verifyInclusion(EMPTY_TREE_ROOT, 0, 2 ** 60, [], EMPTY_TREE_ROOT)],
    ['an index past the end', () => verifyInclusion(EMPTY_TREE_ROOT, 1, 1, [], EMPTY_TREE_ROOT)],
    ['an empty tree', () => verifyInclusion(EMPTY_TREE_ROOT, 0, 0, [], EMPTY_TREE_ROOT)],
    ['upper-case hex', () => verifyInclusion(EMPTY_TREE_ROOT.toUpperCase(), 0, 1, [], EMPTY_TREE_ROOT.toUpperCase())],
    ['a short hash in the proof', () => verifyInclusion(EMPTY_TREE_ROOT, 0, 2, ['abcd'], EMPTY_TREE_ROOT)],
    ['a proof of 1000 hashes', () => verifyInclusion(EMPTY_TREE_ROOT, 0, 2, Array(1000).fill(EMPTY_TREE_ROOT), EMPTY_TREE_ROOT)],
    ['a proof that is not a list', () => verifyInclusion(EMPTY_TREE_ROOT, 0, 2, 'abc' as unknown as string[], EMPTY_TREE_ROOT)],
    ['a number where a hash belongs', () => verifyInclusion(EMPTY_TREE_ROOT, 0, 2, [7 as unknown as string], EMPTY_TREE_ROOT)],
    ['a first tree larger than the second', () => verifyConsistency(3, 2, EMPTY_TREE_ROOT, EMPTY_TREE_ROOT, [EMPTY_TREE_ROOT])],
    ['a consistency proof with a bad hash', () => verifyConsistency(1, 2, EMPTY_TREE_ROOT, EMPTY_TREE_ROOT, ['zz'])],
  ])('refuses %s as MERKLE_INPUT_INVALID', (_name, run) => {
    expect(run()).toMatchObject({ ok: false, code: 'MERKLE_INPUT_INVALID' });
  });

  it('edge sizes of consistency: m = 0 needs the empty root, m = n equal roots, both an empty proof', () => {
    const r = merkleRoot(leaves.slice(0, 3));
    expect(verifyConsistency(0, 3, EMPTY_TREE_ROOT, r, [])).toEqual({ ok: true });
    expect(verifyConsistency(0, 3, r, r, [])).toMatchObject({ ok: false, code: 'MERKLE_PROOF_INVALID' });
    expect(verifyConsistency(3, 3, r, r, [])).toEqual({ ok: true });
    expect(verifyConsistency(3, 3, r, OTHER, [])).toMatchObject({ ok: false, code: 'MERKLE_PROOF_INVALID' });
    expect(verifyConsistency(3, 3, r, r, [r])).toMatchObject({ ok: false, code: 'MERKLE_PROOF_INVALID' });
  });

  it('proof makers refuse indices and sizes outside the tree', () => {
    expect(() => inclusionProof(leaves.slice(0, 3), 3)).toThrow(expect.objectContaining({ code: 'MERKLE_INDEX_INVALID' }));
    expect(() => inclusionProof([], 0)).toThrow(expect.objectContaining({ code: 'MERKLE_INDEX_INVALID' }));
    expect(() => consistencyProof(leaves.slice(0, 3), 4)).toThrow(expect.objectContaining({ code: 'MERKLE_SIZE_INVALID' }));
    expect(() => consistencyProof(leaves.slice(0, 3), -1)).toThrow(expect.objectContaining({ code: 'MERKLE_SIZE_INVALID' }));
  });
});

describe('RFC 9162 Merkle proofs on larger random trees (fast-check)', () => {
  const pool = Array.from({ length: 700 }, (_, i) => createHash('sha256').update(`leaf ${i}`).digest());

  it('for random n ≤ 700, leaf i and size m: proofs verify, and one flipped bit anywhere in them does not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 700 }), fc.nat(), fc.nat(), fc.nat(), (n, iSeed, mSeed, flipSeed) => {
        const tree = pool.slice(0, n);
        const [i, m] = [iSeed % n, 1 + (mSeed % n)];
        const root = merkleRoot(tree);
        const rootM = merkleRoot(tree.slice(0, m));
        const inclusion = inclusionProof(tree, i);
        const consistency = consistencyProof(tree, m);
        expect(verifyInclusion(leafHash(tree[i]!), i, n, inclusion, root)).toEqual({ ok: true });
        expect(verifyConsistency(m, n, rootM, root, consistency)).toEqual({ ok: true });
        if (inclusion.length > 0) {
          const j = flipSeed % inclusion.length;
          expect(verifyInclusion(leafHash(tree[i]!), i, n, inclusion.map((h, x) => (x === j ? flip(h, flipSeed % 4) : h)), root).ok).toBe(false);
        }
        if (consistency.length > 0) {
          const j = flipSeed % consistency.length;
          expect(verifyConsistency(m, n, rootM, root, consistency.map((h, x) => (x === j ? flip(h, flipSeed % 4) : h))).ok).toBe(false);
        }
      }),
      { numRuns: 100 },
    );
  }, 60_000);
});
