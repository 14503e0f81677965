/**
 * Guards against characters that must never enter a shared indicator: they are invisible to the
 * analyst who reads it in another country, or they change how text is displayed (Trojan Source),
 * or they cannot be encoded as UTF-8 in canonical bundle bytes.
 */

/** Longest raw value accepted by any normalizer (UTF-16 code units); checked before any other work. */
export const MAX_RAW_VALUE_LENGTH = 4096;

// C0 controls, DEL and C1 controls. Tab, LF and CR are tested separately (see allowLineBreaks).
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const LINE_BREAK = /[\t\n\r]/;
// Embeddings, overrides and isolates reorder what a reader sees; the marks (LRM, RLM, ALM) are invisible.
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
// A lone surrogate cannot be encoded as UTF-8: TextEncoder would silently replace it, changing the hash.
// With the u flag a surrogate pair is one code point, so only a lone surrogate is of category Cs.
const LONE_SURROGATE = /\p{Cs}/u;

/** A hostile-text finding: a stable code suffix and a message. */
export interface TextProblem {
  /** CONTROL_CHARACTER, BIDI_CONTROL or INVALID_UNICODE (callers prefix it, e.g. VALUE_). */
  kind: 'CONTROL_CHARACTER' | 'BIDI_CONTROL' | 'INVALID_UNICODE';
  /** Human explanation, naming the offending code point and its position. */
  message: string;
}

/** Options for {@link findTextProblem}. */
export interface TextGuardOptions {
  /** Tab, LF and CR are whitespace here (free text, keywords); elsewhere they are control characters. */
  allowLineBreaks?: boolean;
}

/** First hostile character in `text`, or undefined when the text is clean. */
export function findTextProblem(text: string, options: TextGuardOptions = {}): TextProblem | undefined {
  const surrogate = LONE_SURROGATE.exec(text);
  if (surrogate) {
    return { kind: 'INVALID_UNICODE', message: `contains a lone UTF-16 surrogate at position ${surrogate.index}` };
  }
  return findDisplayProblem(text, options);
}

/** True when `text` holds a lone UTF-16 surrogate (no UTF-8 form, so no canonical bytes). */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/**
 * First control or bidi character in `text` (what findTextProblem checks after lone surrogates),
 * or undefined. For text whose lone surrogates another layer refuses, e.g. a bundle's canonical form.
 */
export function findDisplayProblem(text: string, options: TextGuardOptions = {}): TextProblem | undefined {
  const control = CONTROL.exec(text) ?? (options.allowLineBreaks ? null : LINE_BREAK.exec(text));
  if (control) {
    return {
      kind: 'CONTROL_CHARACTER',
      message: `contains the control character ${codePoint(control[0])} at position ${control.index}`,
    };
  }
  const bidi = BIDI.exec(text);
  if (bidi) {
    return {
      kind: 'BIDI_CONTROL',
      message: `contains the bidirectional control ${codePoint(bidi[0])} at position ${bidi.index}, which can disguise the text`,
    };
  }
  return undefined;
}

/** "U+0000"-style name of the first code point of `ch`. */
export function codePoint(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}
