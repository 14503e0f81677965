/**
 * Unicode folding shared by the free-text-like types (keyword, username, e-mail local part).
 * NFKC maps compatibility forms (full-width letters, ligatures, superscripts) to their plain form;
 * lower-casing can produce text that NFKC would change again, so both are applied until nothing
 * moves. That fixed point is what makes the normalizers idempotent by construction.
 */

const MAX_FOLD_ROUNDS = 4;

/** NFKC → lower-case → NFKC (then `post`), repeated to a fixed point; undefined if there is none. */
export function foldText(text: string, post: (s: string) => string = (s) => s): string | undefined {
  let current = text;
  for (let round = 0; round < MAX_FOLD_ROUNDS; round++) {
    const next = post(current.normalize('NFKC').toLowerCase().normalize('NFKC'));
    if (next === current) return current;
    current = next;
  }
  // No Unicode data we know of needs this many rounds; refusing beats emitting an unstable value.
  return undefined;
}

/** Runs of Unicode whitespace become one ASCII space; the ends are trimmed. */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}

/** Length of `text` in UTF-8 bytes (RFC 5321 limits are in octets, not characters). */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
