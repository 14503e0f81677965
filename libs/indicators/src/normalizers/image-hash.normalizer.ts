import { normalized, quote, rejected, type NormalizeResult } from '../normalize.types';

/** Perceptual image-hash algorithms and the number of hex digits each hash has. */
export const IMAGE_HASH_ALGORITHMS = { pdq: 64, phash: 16 } as const;
export type ImageHashAlgorithm = keyof typeof IMAGE_HASH_ALGORITHMS;

const PREFIXED = /^([a-z0-9_-]+):(.*)$/s;
const HEX = /^[0-9a-f]+$/;

/**
 * image-hash → `pdq:<64 hex>` (PDQ, 256 bits) or `phash:<16 hex>` (pHash, 64 bits), lower case.
 * NFKC, lower-cased, whitespace removed. A bare hex string is read by its length (64 → PDQ,
 * 16 → pHash); the prefix keeps the algorithm explicit, so two hashes are only ever compared within
 * one algorithm. Cryptographic digests (md5:, sha256:) are not perceptual hashes: use file-sha256.
 */
export function normalizeImageHash(value: string): NormalizeResult {
  const text = value.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
  const prefixed = PREFIXED.exec(text);
  const [algorithm, hex] = prefixed ? [prefixed[1], prefixed[2]] : [algorithmForLength(text), text];
  if (!HEX.test(hex)) {
    return rejected('IMAGE_HASH_INVALID', `${quote(text)} is not an image hash: use pdq:<64 hex> or phash:<16 hex>`);
  }
  if (algorithm === undefined || !Object.hasOwn(IMAGE_HASH_ALGORITHMS, algorithm)) {
    const what = algorithm === undefined ? `a bare hex string of ${hex.length} digits` : `the algorithm ${quote(algorithm, 32)}`;
    return rejected('IMAGE_HASH_ALGORITHM', `${quote(text)}: ${what} is not supported; use pdq (64 hex digits) or phash (16 hex digits)`);
  }
  const digits = IMAGE_HASH_ALGORITHMS[algorithm as ImageHashAlgorithm];
  if (hex.length !== digits) {
    return rejected('IMAGE_HASH_LENGTH', `${algorithm} hashes have ${digits} hex digits; ${quote(text)} has ${hex.length}`);
  }
  return normalized(`${algorithm}:${hex}`);
}

function algorithmForLength(hex: string): string | undefined {
  return (Object.keys(IMAGE_HASH_ALGORITHMS) as ImageHashAlgorithm[]).find((a) => IMAGE_HASH_ALGORITHMS[a] === hex.length);
}
