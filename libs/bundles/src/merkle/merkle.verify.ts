import { hexToBytes } from '@noble/hashes/utils';
import { EMPTY_TREE_ROOT, hashNodeBytes, MERKLE_HASH_PATTERN } from './merkle.tree';

/** Why a Merkle proof is refused; stable codes. */
export type MerkleProofErrorCode = 'MERKLE_INPUT_INVALID' | 'MERKLE_PROOF_INVALID';

/** The outcome of verifyInclusion / verifyConsistency; never a throw. */
export type MerkleCheck = { ok: true } | { ok: false; code: MerkleProofErrorCode; message: string };

/** No tree of at most 2^53 leaves (safe integers) needs a longer proof: ceil(log2 n) + 1 hashes. */
export const MAX_PROOF_HASHES = 64;

/**
 * RFC 9162 §2.1.3.2: checks that `leafHash` (hex, already SHA-256(0x00 || leaf)) is leaf `index`
 * of the tree of `treeSize` leaves whose root is `root`. MERKLE_INPUT_INVALID for inputs no proof can
 * satisfy (index out of range, hashes that are not 64 hex digits, an over-long proof).
 */
export function verifyInclusion(leafHash: string, index: number, treeSize: number, proof: readonly string[], root: string): MerkleCheck {
  const input = checkInputs([leafHash, root], proof);
  if (input) return input;
  if (!isSize(treeSize) || !isSize(index)) return bad('MERKLE_INPUT_INVALID', 'index and tree size must be non-negative safe integers');
  // Step 1.
  if (index >= treeSize) return bad('MERKLE_INPUT_INVALID', `leaf index ${index} is outside a tree of ${treeSize} leaves`);
  // Steps 2–3. Arithmetic instead of >>: JavaScript's bit operators truncate to 32 bits.
  let fn = index;
  let sn = treeSize - 1;
  let r = hexToBytes(leafHash);
  // Step 4.
  for (const p of proof.map(hexToBytes)) {
    if (sn === 0) return bad('MERKLE_PROOF_INVALID', 'the proof has more hashes than the tree has levels');
    if (lsb(fn) || fn === sn) {
      r = hashNodeBytes(p, r);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) [fn, sn] = [half(fn), half(sn)];
      }
    } else {
      r = hashNodeBytes(r, p);
    }
    [fn, sn] = [half(fn), half(sn)];
  }
  // Step 5.
  if (sn !== 0) return bad('MERKLE_PROOF_INVALID', 'the proof has fewer hashes than the tree has levels');
  if (!equalHex(r, root)) return bad('MERKLE_PROOF_INVALID', 'the proof does not lead to the root');
  return { ok: true };
}

/**
 * RFC 9162 §2.1.4.2: checks that the tree of `m` leaves with root `rootM` is a prefix of the tree of
 * `n` leaves with root `rootN`. The RFC defines the algorithm for 0 < m < n; at the edges, m = n
 * needs equal roots and m = 0 the empty-tree root, each with an empty proof.
 */
export function verifyConsistency(m: number, n: number, rootM: string, rootN: string, proof: readonly string[]): MerkleCheck {
  const input = checkInputs([rootM, rootN], proof);
  if (input) return input;
  if (!isSize(m) || !isSize(n)) return bad('MERKLE_INPUT_INVALID', 'tree sizes must be non-negative safe integers');
  if (m > n) return bad('MERKLE_INPUT_INVALID', `the first tree (${m} leaves) is larger than the second (${n})`);
  if (m === 0 || m === n) {
    if (proof.length !== 0) return bad('MERKLE_PROOF_INVALID', `a proof between sizes ${m} and ${n} must be empty`);
    if (m === 0) return rootM === EMPTY_TREE_ROOT ? { ok: true } : bad('MERKLE_PROOF_INVALID', 'the root of the empty tree is not SHA-256 of nothing');
    return rootM === rootN ? { ok: true } : bad('MERKLE_PROOF_INVALID', `two different roots for the same size ${m}`);
  }
  // Step 1.
  if (proof.length === 0) return bad('MERKLE_PROOF_INVALID', 'the proof is empty');
  const path = proof.map(hexToBytes);
  // Step 2.
  if (isPowerOfTwo(m)) path.unshift(hexToBytes(rootM));
  // Steps 3–4.
  let fn = m - 1;
  let sn = n - 1;
  while (lsb(fn)) [fn, sn] = [half(fn), half(sn)];
  // Step 5.
  let fr = path[0]!;
  let sr = path[0]!;
  // Step 6.
  for (const c of path.slice(1)) {
    if (sn === 0) return bad('MERKLE_PROOF_INVALID', 'the proof has more hashes than the trees have levels');
    if (lsb(fn) || fn === sn) {
      fr = hashNodeBytes(c, fr);
      sr = hashNodeBytes(c, sr);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0) [fn, sn] = [half(fn), half(sn)];
      }
    } else {
      sr = hashNodeBytes(sr, c);
    }
    [fn, sn] = [half(fn), half(sn)];
  }
  // Step 7.
  if (sn !== 0) return bad('MERKLE_PROOF_INVALID', 'the proof has fewer hashes than the trees have levels');
  if (!equalHex(fr, rootM)) return bad('MERKLE_PROOF_INVALID', `the proof does not lead to the root of the first tree (${m} leaves)`);
  if (!equalHex(sr, rootN)) return bad('MERKLE_PROOF_INVALID', `the proof does not lead to the root of the second tree (${n} leaves)`);
  return { ok: true };
}

function checkInputs(hashes: readonly unknown[], proof: readonly unknown[]): MerkleCheck | undefined {
  if (!Array.isArray(proof)) return bad('MERKLE_INPUT_INVALID', 'the proof is not a list of hashes');
  if (proof.length > MAX_PROOF_HASHES) return bad('MERKLE_INPUT_INVALID', `the proof has ${proof.length} hashes, at most ${MAX_PROOF_HASHES} can be needed`);
  for (const hash of [...hashes, ...proof]) {
    if (typeof hash !== 'string' || !MERKLE_HASH_PATTERN.test(hash)) return bad('MERKLE_INPUT_INVALID', 'hashes must be 64 lower-case hex digits');
  }
  return undefined;
}

function isSize(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

function isPowerOfTwo(value: number): boolean {
  let v = value;
  while (v > 1 && v % 2 === 0) v /= 2;
  return v === 1;
}

function lsb(value: number): boolean {
  return value % 2 === 1;
}

function half(value: number): number {
  return Math.floor(value / 2);
}

function equalHex(bytes: Uint8Array, hex: string): boolean {
  const other = hexToBytes(hex);
  if (other.length !== bytes.length) return false;
  let diff = 0;
  for (let i = 0; i < bytes.length; i++) diff |= bytes[i]! ^ other[i]!;
  return diff === 0;
}

function bad(code: MerkleProofErrorCode, message: string): MerkleCheck {
  return { ok: false, code, message };
}
