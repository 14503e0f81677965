import { canonicalJson } from '@palermo/bundles';
import { errorMessage } from '@palermo/indicators';

/** Largest key statement read (a rotation carries an armored key and two signatures: a few KiB). */
export const MAX_KEY_STATEMENT_BYTES = 256 * 1024;

/** A key statement's kind, as told by its outer shape (the verifier checks the rest). */
export type KeyStatementKind = 'rotation' | 'revocation';

/** Reads a key statement message: bounded, JSON, one known kind. Pure; never throws. */
export function readKeyStatement(payload: Uint8Array): { ok: true; kind: KeyStatementKind; value: unknown } | { ok: false; code: 'KEY_STATEMENT_OVERSIZE' | 'KEY_STATEMENT_MALFORMED' | 'KEY_STATEMENT_UNKNOWN_KIND'; message: string } {
  if (payload.byteLength > MAX_KEY_STATEMENT_BYTES) return { ok: false, code: 'KEY_STATEMENT_OVERSIZE', message: `${payload.byteLength} bytes exceed the limit of ${MAX_KEY_STATEMENT_BYTES}` };
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch (error) {
    return { ok: false, code: 'KEY_STATEMENT_MALFORMED', message: `not UTF-8 JSON: ${errorMessage(error)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, code: 'KEY_STATEMENT_MALFORMED', message: 'not a JSON object' };
  if ('rotation' in value) return { ok: true, kind: 'rotation', value };
  if ('revocation' in value) return { ok: true, kind: 'revocation', value };
  return { ok: false, code: 'KEY_STATEMENT_UNKNOWN_KIND', message: `neither a rotation nor a revocation (keys: ${Object.keys(value).slice(0, 8).join(', ').slice(0, 200)})` };
}

/** The bytes a node publishes for one of its signed statements: RFC 8785 of the signed object. */
export function keyStatementBytes(signed: object): Uint8Array {
  return new TextEncoder().encode(canonicalJson(signed));
}
