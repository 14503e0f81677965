import { DomainError } from '../domain-error';
import type { ImageHashAlgorithm } from '../normalizers/image-hash.normalizer';

/**
 * Near matches of image hashes by multi-index hashing (Norouzi, Punjani, Fleet: "Fast Search in
 * Hamming Space with Multi-Index Hashing", CVPR 2012). A hash of b bits is cut into m = b/16 chunks
 * of 16 bits (PDQ: 16 chunks, pHash: 4), each stored as an exact key in a B-tree. A query for all
 * hashes within t bits looks up, per chunk, every 16-bit value within a small radius of the query's
 * chunk, and verifies the full distance of the candidates it finds.
 *
 * Recall guarantee (exact, not probabilistic): write t = m·r + a with 0 ≤ a < m. Chunks 0..a are
 * probed with radius r, chunks a+1..m−1 with radius r−1 (not at all when r = 0). If a stored hash
 * were within t bits and missed every probe, chunks 0..a would each differ by ≥ r+1 bits and the
 * others by ≥ r, so the distance would be ≥ (a+1)(r+1) + (m−a−1)·r = m·r + a + 1 = t + 1 > t — a
 * contradiction. So every hash within t bits is a candidate, and verification removes the others:
 * the result is exactly the brute-force scan's.
 *
 * PDQ at its usual t = 31: r = 1 on all 16 chunks, 16 × 17 = 272 keys; with uniform hashes each key
 * meets n/65,536 stored hashes, so about 0.4 % of them are verified. Sixteen-bit chunks were chosen
 * over 32 exact chunks of 8 bits (t+1 chunks, radius 0: 32 keys but 12.5 % of all hashes as
 * candidates) and over 8 chunks of 32 bits (radius 3: 43,912 keys per query).
 */
export const NEAR_MATCH_CHUNK_BITS = 16;

/** Default and highest Hamming threshold per image-hash algorithm (bits). */
export const NEAR_MATCH_THRESHOLDS: Readonly<Record<ImageHashAlgorithm, { default: number; max: number }>> = {
  // 31 is PDQ's published threshold for "same image". 47 keeps the radius per chunk at 2 (2,192 keys,
  // ~3 % of uniform hashes verified); further out the index is no faster than a scan.
  pdq: { default: 31, max: 47 },
  // pHash (64-bit DCT) is usually matched at about 10 bits; 15 is radius 3 on its 4 chunks (2,788 keys, ~4 %).
  phash: { default: 10, max: 15 },
};

/** Bits of each image-hash algorithm. */
export const IMAGE_HASH_BITS: Readonly<Record<ImageHashAlgorithm, number>> = { pdq: 256, phash: 64 };

const NORMALIZED = /^(pdq|phash):([0-9a-f]+)$/;
const CHUNK_VALUES = 1 << NEAR_MATCH_CHUNK_BITS;

/** A normalized image hash cut into its chunks: chunk i is hex digits 4i..4i+3, most significant bit first. */
export interface ImageHashChunks {
  /** The hash's algorithm. */
  algorithm: ImageHashAlgorithm;
  /** Hex digits of the whole hash, lower case, without the prefix. */
  hex: string;
  /** The 16-bit value of each chunk, in order. */
  chunks: number[];
}

/** Lookups of one chunk position: every value within `radius` bits of the query's chunk. */
export interface ChunkProbe {
  /** Position of the chunk (0-based). */
  chunkNo: number;
  /** Bits in which a probed value may differ from the query's chunk. */
  radius: number;
  /** The values to look up, the query's own chunk first. */
  values: number[];
}

/** Everything a store needs to find the near matches of one hash. */
export interface NearMatchQuery extends ImageHashChunks {
  /** Highest distance (bits) that counts as a match. */
  threshold: number;
  /** Per chunk position, the values to look up (positions with radius −1 are left out). */
  probes: ChunkProbe[];
  /** The same lookups as index keys (chunkKey), ascending and without duplicates. */
  keys: number[];
}

/**
 * Cuts a normalized image hash (`pdq:<64 hex>`, `phash:<16 hex>`, as normalizeValue returns it) into
 * 16-bit chunks. Throws DomainError IMAGE_HASH_INVALID for anything else (not a string, upper case,
 * another algorithm, a wrong number of digits).
 */
export function imageHashChunks(value: string): ImageHashChunks {
  const match = typeof value === 'string' && value.length <= 80 ? NORMALIZED.exec(value) : null;
  const algorithm = match?.[1] as ImageHashAlgorithm | undefined;
  if (!match || !algorithm || match[2].length * 4 !== IMAGE_HASH_BITS[algorithm]) {
    const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : typeof value;
    throw new DomainError('IMAGE_HASH_INVALID', `${shown} is not a normalized image hash: use pdq:<64 hex> or phash:<16 hex>`);
  }
  const hex = match[2];
  const chunks: number[] = [];
  for (let i = 0; i < hex.length; i += 4) chunks.push(parseInt(hex.slice(i, i + 4), 16));
  return { algorithm, hex, chunks };
}

/**
 * The threshold to use for `algorithm`: its default when none is given, else the given one if it is an
 * integer between 0 and the algorithm's max (NEAR_MATCH_THRESHOLDS); otherwise DomainError
 * NEAR_MATCH_THRESHOLD_INVALID.
 */
export function nearMatchThreshold(algorithm: ImageHashAlgorithm, threshold?: number): number {
  const limits = NEAR_MATCH_THRESHOLDS[algorithm];
  if (threshold === undefined) return limits.default;
  if (!Number.isInteger(threshold) || threshold < 0 || threshold > limits.max) {
    throw new DomainError(
      'NEAR_MATCH_THRESHOLD_INVALID',
      `the ${algorithm} threshold must be an integer between 0 and ${limits.max} bits (default ${limits.default})`,
    );
  }
  return threshold;
}

/** Radius of each chunk position for threshold t over m chunks (−1: not probed); see the recall guarantee above. */
export function chunkRadii(chunkCount: number, threshold: number): number[] {
  const r = Math.floor(threshold / chunkCount);
  const a = threshold - r * chunkCount;
  return Array.from({ length: chunkCount }, (_, i) => (i <= a ? r : r - 1));
}

/** Index key of one chunk: its position and value in one integer (position · 65,536 + value). */
export function chunkKey(chunkNo: number, value: number): number {
  return chunkNo * CHUNK_VALUES + value;
}

/**
 * The lookups that find every stored hash within `threshold` bits of `value` (default: the
 * algorithm's, NEAR_MATCH_THRESHOLDS). Throws IMAGE_HASH_INVALID or NEAR_MATCH_THRESHOLD_INVALID.
 */
export function nearMatchQuery(value: string, threshold?: number): NearMatchQuery {
  const hash = imageHashChunks(value);
  const t = nearMatchThreshold(hash.algorithm, threshold);
  const probes: ChunkProbe[] = [];
  chunkRadii(hash.chunks.length, t).forEach((radius, chunkNo) => {
    if (radius >= 0) probes.push({ chunkNo, radius, values: valuesWithin(hash.chunks[chunkNo], radius) });
  });
  const keys = probes.flatMap((p) => p.values.map((v) => chunkKey(p.chunkNo, v))).sort((x, y) => x - y);
  return { ...hash, threshold: t, probes, keys };
}

/** Every 16-bit value within `radius` bits of `center`, `center` first. */
export function valuesWithin(center: number, radius: number): number[] {
  const out: number[] = [];
  const flip = (value: number, from: number, left: number): void => {
    out.push(value);
    if (left === 0) return;
    for (let bit = from; bit < NEAR_MATCH_CHUNK_BITS; bit++) flip(value ^ (1 << bit), bit + 1, left - 1);
  };
  flip(center, 0, radius);
  return out;
}

/** Bits in which two chunked hashes of one algorithm differ. */
export function chunkDistance(a: readonly number[], b: readonly number[]): number {
  let distance = 0;
  for (let i = 0; i < a.length; i++) distance += popcount16(a[i] ^ b[i]);
  return distance;
}

function popcount16(x: number): number {
  x -= (x >> 1) & 0x5555;
  x = (x & 0x3333) + ((x >> 2) & 0x3333);
  x = (x + (x >> 4)) & 0x0f0f;
  return (x + (x >> 8)) & 0x1f;
}

/**
 * The verification step: of `candidates` (normalized image hashes, any algorithm), those of the query's
 * algorithm within its threshold, with their distance, nearest first (ties in input order).
 */
export function verifyNearMatches<T extends { value: string }>(query: NearMatchQuery, candidates: readonly T[]): (T & { distance: number })[] {
  const found: (T & { distance: number })[] = [];
  for (const candidate of candidates) {
    const hash = imageHashChunks(candidate.value);
    if (hash.algorithm !== query.algorithm) continue;
    const distance = chunkDistance(query.chunks, hash.chunks);
    if (distance <= query.threshold) found.push({ ...candidate, distance });
  }
  return found.sort((x, y) => x.distance - y.distance);
}
