import { normalized, quote, rejected, type NormalizeResult } from '../normalize.types';
import { collapseWhitespace, foldText } from '../text.fold';

const MAX_USERNAME_LENGTH = 256;
const MAX_PLATFORM_LENGTH = 64;
/** A normalized platform: lower-case slug, e.g. "telegram", "onlyfans", "bedpage.com". */
export const PLATFORM_PATTERN = /^[a-z0-9]+(?:[.-][a-z0-9]+)*$/;

/**
 * username → NFKC, case-folded, whitespace runs collapsed, trimmed, one leading "@" stripped
 * ("@Anna_B" and "anna_b" meet). The platform is a separate field (see normalizePlatform).
 */
export function normalizeUsername(value: string): NormalizeResult {
  const folded = foldText(value, collapseWhitespace);
  if (folded === undefined) {
    return rejected('USERNAME_INVALID', `${quote(value)} has no stable Unicode normal form`);
  }
  const handle = folded.startsWith('@') ? folded.slice(1) : folded;
  if (handle === '') {
    return rejected('USERNAME_EMPTY', 'username is empty once the leading "@" is removed');
  }
  // Stripping exactly one "@" must leave a value that strips nothing more, or a second pass would change it.
  if (handle.startsWith('@') || handle !== handle.trim()) {
    return rejected('USERNAME_INVALID', `${quote(value)} must not start with more than one "@" or a space after it`);
  }
  if (handle.includes('://')) {
    return rejected('USERNAME_INVALID', `${quote(value)} looks like a URL: use type "url", or give only the handle`);
  }
  if (handle.length > MAX_USERNAME_LENGTH) {
    return rejected('USERNAME_TOO_LONG', `username is ${handle.length} characters long; the limit is ${MAX_USERNAME_LENGTH}`);
  }
  return normalized(handle);
}

/**
 * platform → lower-case slug: NFKC, trimmed, lower-cased, runs of whitespace or "_" become "-"
 * ("Only Fans" → "only-fans"). Aliases ("twitter" vs "x") are not merged.
 */
export function normalizePlatform(value: string): NormalizeResult {
  if (value.length > MAX_PLATFORM_LENGTH * 4) {
    return rejected('PLATFORM_INVALID', `is ${value.length} characters long; the limit is ${MAX_PLATFORM_LENGTH}`);
  }
  const slug = value.normalize('NFKC').trim().toLowerCase().replace(/[\s_]+/gu, '-');
  if (slug.length === 0 || slug.length > MAX_PLATFORM_LENGTH || !PLATFORM_PATTERN.test(slug)) {
    return rejected(
      'PLATFORM_INVALID',
      `${quote(value)} must be 1–${MAX_PLATFORM_LENGTH} letters or digits separated by single "." or "-" (e.g. "telegram")`,
    );
  }
  return normalized(slug);
}
