import { normalized, quote, rejected, type NormalizeResult } from '../normalize.types';

/** Text-fingerprint algorithms and the number of hex digits each fingerprint has. */
export const TEXT_FINGERPRINT_ALGORITHMS = { simhash64: 16 } as const;

const PREFIXED = /^([a-z0-9]+):([0-9a-f]+)$/;

/**
 * text-fingerprint → `simhash64:<16 hex>`, lower case: the SimHash of an ad text (see
 * textFingerprint). A bare 16-digit hex string is read as simhash64.
 */
export function normalizeTextFingerprint(value: string): NormalizeResult {
  const text = value.normalize('NFKC').toLowerCase().trim();
  const prefixed = PREFIXED.exec(text);
  const [algorithm, hex] = prefixed ? [prefixed[1], prefixed[2]] : ['simhash64', text];
  if (!(algorithm in TEXT_FINGERPRINT_ALGORITHMS)) {
    return rejected('TEXT_FINGERPRINT_ALGORITHM', `${quote(text)}: the algorithm must be simhash64`);
  }
  if (!/^[0-9a-f]{16}$/.test(hex)) {
    return rejected('TEXT_FINGERPRINT_INVALID', `${quote(text)} is not a text fingerprint: use simhash64:<16 hex digits>`);
  }
  return normalized(`${algorithm}:${hex}`);
}
