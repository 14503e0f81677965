import { normalized, quote, rejected, type NormalizeResult } from '../normalize.types';

const SHA256_HEX = /^[0-9a-f]{64}$/i;

/** file-sha256 → 64 lower-case hex digits (NFKC first, so full-width digits are read as digits). */
export function normalizeFileSha256(value: string): NormalizeResult {
  const text = value.normalize('NFKC');
  if (!SHA256_HEX.test(text)) {
    const problem = text.length === 64 ? 'contains characters other than 0-9 and a-f' : `has ${text.length} characters`;
    return rejected('FILE_SHA256_INVALID', `${quote(text)} is not a SHA-256 digest (64 hex digits): it ${problem}`);
  }
  return normalized(text.toLowerCase());
}
