import { normalized, quote, rejected, type NormalizeResult } from '../normalize.types';
import { collapseWhitespace, foldText } from '../text.fold';

const MAX_KEYWORD_LENGTH = 256;

/**
 * keyword (coded language) → NFKC, lower-cased, NFKC again, whitespace runs collapsed to one
 * space, trimmed: "ＮＥＷ  in\tTown" and "new in town" meet; "ﬁ" (ligature) becomes "fi".
 * Emoji, including ZWJ sequences, are kept as they are.
 */
export function normalizeKeyword(value: string): NormalizeResult {
  const keyword = foldText(value, collapseWhitespace);
  if (keyword === undefined) {
    return rejected('KEYWORD_INVALID', `${quote(value)} has no stable Unicode normal form`);
  }
  if (keyword === '') return rejected('VALUE_EMPTY', 'keyword is empty once normalized');
  if (keyword.length > MAX_KEYWORD_LENGTH) {
    return rejected('KEYWORD_TOO_LONG', `keyword is ${keyword.length} characters long once normalized; the limit is ${MAX_KEYWORD_LENGTH}`);
  }
  return normalized(keyword);
}
