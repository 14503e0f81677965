import { normalized, quote, rejected, type NormalizeResult } from '../normalize.types';

/** Text-fingerprint algorithms and the number of hex digits each fingerprint has. */
export const TEXT_FINGERPRINT_ALGORITHMS = { simhash64: 16 } as const;
export type TextFingerprintAlgorithm = keyof typeof TEXT_FINGERPRINT_ALGORITHMS;

const PREFIXED = /^([a-z0-9_-]+):(.*)$/s;
const HEX = /^[0-9a-f]+$/;

/**
 * text-fingerprint → `simhash64:<16 hex>`, lower case: the SimHash of an ad text (see
 * textFingerprint). NFKC, lower-cased, whitespace removed. A bare hex string is read by its length
 * (16 → simhash64); the prefix keeps the algorithm explicit, so fingerprints are only compared
 * within one algorithm (MinHash or a 128-bit SimHash would be new algorithms, not new lengths).
 */
export function normalizeTextFingerprint(value: string): NormalizeResult {
  const text = value.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
  const prefixed = PREFIXED.exec(text);
  const [algorithm, hex] = prefixed ? [prefixed[1], prefixed[2]] : [algorithmForLength(text), text];
  if (!HEX.test(hex)) {
    return rejected('TEXT_FINGERPRINT_INVALID', `${quote(text)} is not a text fingerprint: use simhash64:<16 hex digits>`);
  }
  if (algorithm === undefined || !Object.hasOwn(TEXT_FINGERPRINT_ALGORITHMS, algorithm)) {
    const what = algorithm === undefined ? `a bare hex string of ${hex.length} digits` : `the algorithm ${quote(algorithm, 32)}`;
    return rejected('TEXT_FINGERPRINT_ALGORITHM', `${quote(text)}: ${what} is not supported; use simhash64 (16 hex digits)`);
  }
  const digits = TEXT_FINGERPRINT_ALGORITHMS[algorithm as TextFingerprintAlgorithm];
  if (hex.length !== digits) {
    return rejected('TEXT_FINGERPRINT_LENGTH', `${algorithm} fingerprints have ${digits} hex digits; ${quote(text)} has ${hex.length}`);
  }
  return normalized(`${algorithm}:${hex}`);
}

function algorithmForLength(hex: string): string | undefined {
  return (Object.keys(TEXT_FINGERPRINT_ALGORITHMS) as TextFingerprintAlgorithm[]).find((a) => TEXT_FINGERPRINT_ALGORITHMS[a] === hex.length);
}
