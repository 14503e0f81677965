import { foldText } from '../text.fold';

/**
 * Words of an ad text as the SimHash fingerprint reads them (see textFingerprint and the README):
 *  1. case-folded (NFKC → lower-case → NFKC, to a fixed point, as keyword values are);
 *  2. accents removed: NFD, combining marks (Mn) dropped, NFC again — "café" and "cafe" meet;
 *  3. every run of digits becomes the one token "0": prices, dates, ages and phone numbers change
 *     from one copy of an ad to the next, and a phone number is an indicator of its own;
 *  4. a word is a run of letters (with their marks) — apostrophes and hyphens inside a word split it;
 *     each emoji is a word of its own (coded language lives in them);
 *  5. scripts written without spaces (Han, Hiragana, Katakana, Thai) give one word per character,
 *     so a changed character moves the fingerprint a little instead of making one giant word.
 * Everything else (punctuation, symbols, control characters, lone surrogates) only separates words.
 */
export function adTextWords(text: string): string[] {
  const folded = foldText(text) ?? text.normalize('NFKC').toLowerCase();
  const plain = folded.normalize('NFD').replace(/\p{Mn}+/gu, '').normalize('NFC');
  return plain.match(WORD) ?? [];
}

// Order matters: per-character scripts first, then digit runs, letter runs, emoji.
const WORD = new RegExp(
  [
    '[\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Thai}]',
    '\\p{Nd}+',
    '[\\p{L}\\p{M}]+',
    '\\p{Extended_Pictographic}',
  ].join('|'),
  'gu',
);

/** adTextWords with every digit run replaced by "0" (step 3). */
export function adTextTokens(text: string): string[] {
  return adTextWords(text).map((word) => (/^\p{Nd}+$/u.test(word) ? '0' : word));
}
