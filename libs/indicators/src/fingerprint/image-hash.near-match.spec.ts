import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeValue } from '../value.normalizer';
import { hammingDistance } from './hamming.distance';
import {
  chunkKey,
  chunkRadii,
  imageHashChunks,
  NEAR_MATCH_THRESHOLDS,
  nearMatchQuery,
  nearMatchThreshold,
  valuesWithin,
  verifyNearMatches,
} from './image-hash.near-match';

const PDQ = `pdq:${'f8f8e0c0a0b09b22'.repeat(4)}`;
const HEX = '0123456789abcdef';

/** `value` with the given bit positions (0 = most significant) flipped. */
function flipBits(value: string, bits: Iterable<number>): string {
  const [algorithm, hex] = value.split(':');
  const nibbles = [...hex].map((c) => parseInt(c, 16));
  for (const bit of bits) nibbles[bit >> 2] ^= 8 >> (bit & 3);
  return `${algorithm}:${nibbles.map((n) => HEX[n]).join('')}`;
}

/** What a store holding `stored` in its chunk index returns: candidates by exact key, then verified. */
function indexedSearch(stored: readonly string[], value: string, threshold: number): string[] {
  const query = nearMatchQuery(value, threshold);
  const keys = new Set(query.keys);
  const candidates = stored
    .filter((s) => s.startsWith(`${query.algorithm}:`))
    .filter((s) => imageHashChunks(s).chunks.some((chunk, i) => keys.has(chunkKey(i, chunk))))
    .map((s) => ({ value: s }));
  return verifyNearMatches(query, candidates).map((c) => c.value);
}

const bruteForce = (stored: readonly string[], value: string, threshold: number) =>
  stored.filter((s) => s.split(':')[0] === value.split(':')[0] && hammingDistance(s, value) <= threshold);

const hashOf = (algorithm: 'pdq' | 'phash') =>
  fc.string({ unit: fc.constantFrom(...HEX), minLength: algorithm === 'pdq' ? 64 : 16, maxLength: algorithm === 'pdq' ? 64 : 16 }).map((h) => `${algorithm}:${h}`);

describe('near matches of image hashes (multi-index hashing)', () => {
  it('cuts a hash into 16-bit chunks, most significant bit first', () => {
    expect(imageHashChunks('phash:d1c4e2a3b4f50617')).toEqual({
      algorithm: 'phash',
      hex: 'd1c4e2a3b4f50617',
      chunks: [0xd1c4, 0xe2a3, 0xb4f5, 0x0617],
    });
    expect(imageHashChunks(PDQ).chunks).toHaveLength(16);
    // The index holds what the normalizer produces.
    const normalized = normalizeValue('image-hash', 'PHASH: D1C4 E2A3 B4F5 0617');
    expect(normalized.ok && imageHashChunks(normalized.value).algorithm).toBe('phash');
  });

  it.each([
    ['not hex', 'pdq:' + 'z'.repeat(64)],
    ['upper case (not normalized)', 'pdq:' + 'A'.repeat(64)],
    ['PDQ too short', 'pdq:' + 'a'.repeat(63)],
    ['pHash of PDQ length', 'phash:' + 'a'.repeat(64)],
    ['another algorithm', 'simhash64:' + 'a'.repeat(16)],
    ['no prefix', 'a'.repeat(64)],
    ['huge', 'pdq:' + 'a'.repeat(100_000)],
    ['not a string', 42 as unknown as string],
  ])('refuses %s with IMAGE_HASH_INVALID', (_, value) => {
    expect(() => nearMatchQuery(value)).toThrow(expect.objectContaining({ code: 'IMAGE_HASH_INVALID' }));
  });

  it('defaults to 31 bits for PDQ and 10 for pHash, and refuses thresholds out of range', () => {
    expect(nearMatchThreshold('pdq')).toBe(31);
    expect(nearMatchThreshold('phash')).toBe(10);
    expect(nearMatchThreshold('pdq', 0)).toBe(0);
    expect(nearMatchThreshold('pdq', 47)).toBe(47);
    for (const [algorithm, bad] of [['pdq', 48], ['pdq', -1], ['pdq', 3.5], ['pdq', Number.NaN], ['phash', 16], ['pdq', '31']] as const) {
      expect(() => nearMatchThreshold(algorithm, bad as number)).toThrow(expect.objectContaining({ code: 'NEAR_MATCH_THRESHOLD_INVALID' }));
    }
  });

  it('probes each chunk with the radius the pigeonhole argument needs, no more', () => {
    expect(chunkRadii(16, 31)).toEqual(Array(16).fill(1));
    expect(chunkRadii(16, 20)).toEqual([...Array(5).fill(1), ...Array(11).fill(0)]);
    expect(chunkRadii(16, 3)).toEqual([0, 0, 0, 0, ...Array(12).fill(-1)]);
    expect(chunkRadii(4, 10)).toEqual([2, 2, 2, 1]);
    // For every split the worst miss is t+1 bits: recall is exact.
    for (const [m, t] of [[16, 31], [16, 47], [16, 0], [4, 10], [4, 15], [16, 17]]) {
      expect(chunkRadii(m, t).reduce((sum, r) => sum + r + 1, 0)).toBe(t + 1);
    }
    expect(nearMatchQuery(PDQ).keys).toHaveLength(16 * 17);
    expect(nearMatchQuery(PDQ, 47).keys).toHaveLength(16 * 137);
    expect(nearMatchQuery('phash:d1c4e2a3b4f50617').keys).toHaveLength(3 * 137 + 17);
  });

  it('enumerates each value within the radius once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 3 }), (center, radius) => {
        const values = valuesWithin(center, radius);
        expect(new Set(values).size).toBe(values.length);
        expect(values.length).toBe([1, 17, 137, 697][radius]);
        expect(values[0]).toBe(center);
        expect(values.every((v) => v >= 0 && v <= 0xffff)).toBe(true);
      }),
    );
  });

  it('finds hashes planted at every distance up to the threshold and none beyond it', () => {
    const stored = Array.from({ length: 40 }, (_, d) => flipBits(PDQ, Array.from({ length: d }, (_, i) => (i * 37) % 256)));
    const found = verifyNearMatches(
      nearMatchQuery(PDQ),
      stored.map((value) => ({ value })),
    );
    expect(found.map((f) => f.distance)).toEqual(Array.from({ length: 32 }, (_, d) => d));
    expect(indexedSearch(stored, PDQ, 31)).toEqual(stored.slice(0, 32));
  });

  // Recall (every hash within t is found) and precision (nothing beyond t), against a brute-force scan,
  // with neighbours planted near the threshold where a wrong radius would lose them.
  for (const algorithm of ['pdq', 'phash'] as const) {
    it(`equals a brute-force scan for ${algorithm}`, () => {
      const bits = algorithm === 'pdq' ? 256 : 64;
      const max = NEAR_MATCH_THRESHOLDS[algorithm].max;
      fc.assert(
        fc.property(
          hashOf(algorithm),
          fc.integer({ min: 0, max }),
          fc.array(fc.uniqueArray(fc.integer({ min: 0, max: bits - 1 }), { maxLength: max + 3 }), { maxLength: 30 }),
          fc.array(hashOf(algorithm), { maxLength: 10 }),
          fc.array(hashOf(algorithm === 'pdq' ? 'phash' : 'pdq'), { maxLength: 2 }),
          (query, threshold, flips, random, otherAlgorithm) => {
            const stored = [...flips.map((f) => flipBits(query, f)), ...random, ...otherAlgorithm];
            expect(indexedSearch(stored, query, threshold).sort()).toEqual(bruteForce(stored, query, threshold).sort());
          },
        ),
        { numRuns: 300 },
      );
    });
  }
});
