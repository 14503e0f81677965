// Text a caller or a hostile peer hands us, made storable. PostgreSQL text and jsonb refuse U+0000,
// and jsonb refuses the \ud800-style escapes JSON.stringify writes for lone surrogates; the drivers
// would silently turn a lone surrogate in a text parameter into U+FFFD anyway. A write that fails
// on such input would be retried forever (a poison message) or crash an audit trail, so both are
// replaced by U+FFFD, visibly, instead.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** True when `text` holds U+0000 or a lone surrogate (what storableText would replace). */
export function hasUnstorableText(text: string): boolean {
  UNSTORABLE.lastIndex = 0;
  const found = UNSTORABLE.test(text);
  UNSTORABLE.lastIndex = 0;
  return found;
}

/** `text` with U+0000 and lone surrogates replaced by U+FFFD, cut to `max` UTF-16 units (without splitting a pair). */
export function storableText(text: string, max = Number.MAX_SAFE_INTEGER): string {
  const cut = text.length > max ? text.slice(0, /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max) : text;
  return cut.replace(UNSTORABLE, '\uFFFD');
}

/** Like storableText, keeping null and undefined as null. */
export function storableTextOrNull(text: string | null | undefined, max?: number): string | null {
  return text == null ? null : storableText(text, max);
}

/** JSON text of `value` for a jsonb column, with every string (keys too) made storable. */
export function storableJson(value: unknown): string {
  return JSON.stringify(value ?? {}, (_key, v: unknown) => {
    if (typeof v === 'string') return storableText(v);
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.some(([k]) => hasUnstorableText(k))) return Object.fromEntries(entries.map(([k, x]) => [storableText(k), x]));
    }
    return v;
  });
}
