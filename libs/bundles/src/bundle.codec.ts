import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { DomainError, errorMessage, hasLoneSurrogate, parseWireIndicator, type FieldError } from '@palermo/indicators';
import { describeErrors, parseEnvelope, type BundleEnvelope } from './bundle.schema';
import type { Bundle } from './bundle.types';

/** Why bytes are not a bundle; stable codes for quarantine records. */
export type ParseBundleErrorCode =
  | 'BUNDLE_OVERSIZE'
  | 'BUNDLE_MALFORMED_JSON'
  | 'BUNDLE_SCHEMA_INVALID'
  | 'BUNDLE_NOT_CANONICAL';

/** The outcome of parseBundleBytes; never a throw. */
export type ParseBundleResult =
  | { ok: true; bundle: Bundle; hash: string }
  | {
      ok: false;
      code: ParseBundleErrorCode;
      message: string;
      /** Field errors for BUNDLE_SCHEMA_INVALID (paths from the bundle root; at most MAX_REPORTED_ERRORS). */
      errors?: FieldError[];
    };

const encoder = new TextEncoder();
// fatal: invalid UTF-8 is an error, not U+FFFD. ignoreBOM: a BOM stays in the text, so JSON.parse refuses it.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** At most this many field errors are returned (the message still counts them all). */
export const MAX_REPORTED_ERRORS = 100;

/** RFC 8785 (JCS) text of a JSON value; throws BUNDLE_NOT_CANONICALIZABLE for values JCS cannot encode. */
export function canonicalJson(value: unknown): string {
  // RFC 8785 §3.2.2.2 forbids lone surrogates; JSON.stringify would escape them silently instead.
  assertWellFormed(value);
  const text = canonicalize(value);
  if (text === undefined) throw new DomainError('BUNDLE_NOT_CANONICALIZABLE', 'value has no JSON form');
  return text;
}

/** The canonical bytes of a bundle: UTF-8 of its RFC 8785 (JCS) serialization. What is hashed and signed. */
export function canonicalBytes(bundle: Bundle): Uint8Array {
  return encoder.encode(canonicalJson(bundle));
}

/** Lower-case hex SHA-256 of canonical bytes: the bundle's identity on the wire. */
export function bundleHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Decodes and validates bytes received from a partner. Checks, in order: size, UTF-8, JSON, the
 * envelope schema, every indicator (wire schema), unique entry ids, and that the bytes are exactly
 * the canonical bytes of what they parse to. Never throws.
 */
export function parseBundleBytes(bytes: Uint8Array, options: { maxBytes: number }): ParseBundleResult {
  try {
    return parseChecked(bytes, options.maxBytes);
  } catch (error) {
    // A hostile bundle must end in quarantine, never crash (and so block) the chain's consumer.
    return fail('BUNDLE_SCHEMA_INVALID', `could not be validated: ${errorMessage(error)}`);
  }
}

function parseChecked(bytes: Uint8Array, maxBytes: number): ParseBundleResult {
  if (bytes.length > maxBytes) {
    return fail('BUNDLE_OVERSIZE', `bundle is ${bytes.length} bytes, the limit is ${maxBytes}`);
  }
  let text: string;
  let raw: unknown;
  try {
    text = decoder.decode(bytes);
    raw = JSON.parse(text);
  } catch (error) {
    return fail('BUNDLE_MALFORMED_JSON', `not UTF-8 JSON: ${errorMessage(error)}`);
  }
  const envelope = parseEnvelope(raw);
  if (!envelope.ok) return schemaInvalid(envelope.errors);
  const entryErrors = checkEntries(envelope.envelope.entries);
  if (entryErrors.length > 0) return schemaInvalid(entryErrors);
  const bundle = envelope.envelope as Bundle; // every indicator passed the wire schema above
  // Canonical form also catches duplicate JSON keys (JSON.parse keeps the last one) and any
  // whitespace or escaping variant: a bundle has exactly one byte form, so one hash.
  let canonical: string;
  try {
    canonical = canonicalJson(raw);
  } catch (error) {
    return fail('BUNDLE_NOT_CANONICAL', `cannot be canonicalized: ${errorMessage(error)}`);
  }
  if (canonical !== text) {
    return fail('BUNDLE_NOT_CANONICAL', `bytes are not the RFC 8785 form of the bundle (${firstDifference(canonical, text)})`);
  }
  return { ok: true, bundle, hash: bundleHash(bytes) };
}

function checkEntries(entries: BundleEnvelope['entries']): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    let id: string;
    if (entry.op === 'revoke') {
      id = entry.id;
    } else {
      const parsed = parseWireIndicator(entry.indicator);
      if (!parsed.ok) {
        errors.push(...parsed.errors.map((e) => ({ ...e, index, path: ['entries', index, 'indicator', ...e.path] })));
        return;
      }
      id = parsed.indicator.id;
    }
    // One entry per indicator: importers upsert a bundle in one statement, and two versions
    // of the same indicator in one bundle would make the outcome depend on entry order.
    const first = seen.get(id);
    if (first === undefined) {
      seen.set(id, index);
    } else {
      const path = ['entries', index, ...(entry.op === 'revoke' ? ['id'] : ['indicator', 'id'])];
      errors.push({ index, path, code: 'DUPLICATE_ENTRY', message: `indicator ${id} already appears in entries[${first}]` });
    }
  });
  return errors;
}

function schemaInvalid(errors: FieldError[]): ParseBundleResult {
  // Bounded: a hostile 1 MiB bundle could otherwise make a quarantine record of 10k errors.
  return { ok: false, code: 'BUNDLE_SCHEMA_INVALID', message: describeErrors(errors), errors: errors.slice(0, MAX_REPORTED_ERRORS) };
}

function fail(code: ParseBundleErrorCode, message: string): ParseBundleResult {
  return { ok: false, code, message };
}

function firstDifference(expected: string, actual: string): string {
  let i = 0;
  while (i < expected.length && expected[i] === actual[i]) i++;
  return `first difference at character ${i}`;
}

function assertWellFormed(value: unknown): void {
  if (typeof value === 'string') {
    if (hasLoneSurrogate(value)) throw new DomainError('BUNDLE_NOT_CANONICALIZABLE', 'string holds a lone UTF-16 surrogate');
  } else if (Array.isArray(value)) {
    for (const item of value) assertWellFormed(item);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      assertWellFormed(key);
      assertWellFormed(item);
    }
  }
}
