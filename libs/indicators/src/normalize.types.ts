/** What a normalizer may need besides the value itself. */
export interface NormalizeContext {
  /** ISO 3166-1 alpha-2 region used to read national phone numbers (e.g. "NL"); absent on the wire. */
  defaultRegion?: string;
  /** Chain of a crypto-wallet value (one of CRYPTO_CHAINS); required for that type, ignored by the others. */
  chain?: string;
}

/** Outcome of normalizing one value: the canonical string, or a stable code and a human message. */
export type NormalizeResult = { ok: true; value: string } | { ok: false; code: string; message: string };

/** A normalizer for one type: gets the trimmed, hostile-character-free value. */
export type Normalizer = (value: string, ctx: NormalizeContext) => NormalizeResult;

/** Success result. */
export function normalized(value: string): NormalizeResult {
  return { ok: true, value };
}

/** Failure result with a stable code. */
export function rejected(code: string, message: string): NormalizeResult {
  return { ok: false, code, message };
}

/** Quote a user value inside a message, shortened so a 100 KB input never floods a log or a response. */
export function quote(value: string, max = 64): string {
  const shown = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(shown);
}
