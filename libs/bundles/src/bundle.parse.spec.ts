import { describe, expect, it } from 'vitest';
import { canonicalBytes, canonicalJson, MAX_REPORTED_ERRORS, parseBundleBytes, type ParseBundleResult } from './bundle.codec';
import { sampleBundle, utf8, wireIndicator } from './bundle.fixtures';
import type { Bundle } from './bundle.types';

const MAX = 64 * 1024;
const parse = (bytes: Uint8Array, maxBytes = MAX): ParseBundleResult => parseBundleBytes(bytes, { maxBytes });
/** Canonical bytes of a JSON value that need not be a valid bundle. */
const jcs = (value: unknown): Uint8Array => utf8(canonicalJson(value));
/** A valid bundle as a plain object, with one change applied. */
const mutated = (change: (b: Record<string, unknown>) => void): Uint8Array => {
  const bundle = JSON.parse(JSON.stringify(sampleBundle(2))) as Record<string, unknown>;
  change(bundle);
  return jcs(bundle);
};
const entries = (b: Record<string, unknown>): Record<string, unknown>[] => b.entries as Record<string, unknown>[];
const HASH = 'a'.repeat(64);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('parseBundleBytes rejects', () => {
  it.each<[string, string, Uint8Array, RegExp?]>([
    ['invalid UTF-8 (lone continuation byte)', 'BUNDLE_MALFORMED_JSON', Uint8Array.from([0x7b, 0x80, 0x7d])],
    ['invalid UTF-8 (overlong encoding of "/")', 'BUNDLE_MALFORMED_JSON', Uint8Array.from([0x22, 0xc0, 0xaf, 0x22])],
    ['invalid UTF-8 (encoded surrogate)', 'BUNDLE_MALFORMED_JSON', Uint8Array.from([0x22, 0xed, 0xa0, 0x80, 0x22])],
    ['a UTF-8 byte order mark', 'BUNDLE_MALFORMED_JSON', utf8('\uFEFF' + text(canonicalBytes(sampleBundle(1))))],
    ['malformed JSON', 'BUNDLE_MALFORMED_JSON', utf8('{"spec":"palermo/bundle@1",')],
    ['empty input', 'BUNDLE_MALFORMED_JSON', new Uint8Array(0)],
    ['a JSON array', 'BUNDLE_SCHEMA_INVALID', utf8('[]')],
    ['a JSON number', 'BUNDLE_SCHEMA_INVALID', utf8('42')],
    ['JSON null', 'BUNDLE_SCHEMA_INVALID', utf8('null')],
    ['a missing field', 'BUNDLE_SCHEMA_INVALID', mutated((b) => delete b.createdAt), /^createdAt: REQUIRED/],
    ['an extra field', 'BUNDLE_SCHEMA_INVALID', mutated((b) => (b.signature = 'x')), /^signature: UNKNOWN_FIELD/],
    ['another spec', 'BUNDLE_SCHEMA_INVALID', mutated((b) => (b.spec = 'palermo/bundle@2')), /^spec: INVALID_VALUE/],
    ['seq 0', 'BUNDLE_SCHEMA_INVALID', mutated((b) => (b.seq = 0)), /^seq: OUT_OF_RANGE/],
    ['a negative seq', 'BUNDLE_SCHEMA_INVALID', mutated((b) => ((b.seq = -3), (b.prev = HASH))), /^seq: /],
    ['a fractional seq', 'BUNDLE_SCHEMA_INVALID', mutated((b) => ((b.seq = 2.5), (b.prev = HASH))), /^seq: INVALID_TYPE/],
    ['a seq beyond 2^53', 'BUNDLE_SCHEMA_INVALID', mutated((b) => ((b.seq = 2 ** 53), (b.prev = HASH))), /^seq: /],
    ['a string seq', 'BUNDLE_SCHEMA_INVALID', mutated((b) => (b.seq = '1')), /^seq: INVALID_TYPE/],
    ['prev at seq 1', 'BUNDLE_SCHEMA_INVALID', mutated((b) => (b.prev = HASH)), /^prev: PREV_NOT_NULL \(prev: must be null at seq 1\)/],
    ['no prev at seq 2', 'BUNDLE_SCHEMA_INVALID', mutated((b) => (b.seq = 2)), /^prev: PREV_REQUIRED/],
    ['an upper-case prev hash', 'BUNDLE_SCHEMA_INVALID', mutated((b) => ((b.seq = 2), (b.prev = 'A'.repeat(64)))), /^prev: INVALID_FORMAT/],
    ['a short prev hash', 'BUNDLE_SCHEMA_INVALID', mutated((b) => ((b.seq = 2), (b.prev = 'a'.repeat(63)))), /^prev: /],
    ['a publisher that is not a node id', 'BUNDLE_SCHEMA_INVALID', mutated((b) => (b.publisher = 'NL Police')), /^publisher: /],
    ['publisher "all"', 'BUNDLE_SCHEMA_INVALID', mutated((b) => (b.publisher = 'all')), /^publisher: /],
    ['an audience that is not a node id', 'BUNDLE_SCHEMA_INVALID', mutated((b) => (b.audience = 'everyone!')), /^audience: /],
    ['a non-v7 id', 'BUNDLE_SCHEMA_INVALID', mutated((b) => (b.id = '9b2f7c1e-4d3a-4b5c-8d6e-0f1a2b3c4d5e')), /^id: /],
    ['createdAt with an offset', 'BUNDLE_SCHEMA_INVALID', mutated((b) => (b.createdAt = '2025-01-01T00:00:00.000+01:00')), /^createdAt: /],
    ['createdAt on February 30th', 'BUNDLE_SCHEMA_INVALID', mutated((b) => (b.createdAt = '2025-02-30T00:00:00.000Z')), /^createdAt: /],
    ['createdAt without milliseconds', 'BUNDLE_SCHEMA_INVALID', mutated((b) => (b.createdAt = '2025-01-01T00:00:00Z')), /^createdAt: /],
    ['entries not an array', 'BUNDLE_SCHEMA_INVALID', mutated((b) => (b.entries = {})), /^entries: /],
    ['an unknown op', 'BUNDLE_SCHEMA_INVALID', mutated((b) => (entries(b)[1]!.op = 'delete')), /^entries\[1\]\.op: UNKNOWN_OP/],
    ['an extra field in an entry', 'BUNDLE_SCHEMA_INVALID', mutated((b) => (entries(b)[1]!.note = 'x')), /^entries\[1\]\.note: UNKNOWN_FIELD/],
    ['a revoke without reason', 'BUNDLE_SCHEMA_INVALID', mutated((b) => (entries(b)[0] = { op: 'revoke', id: wireIndicator().id })), /^entries\[0\]\.reason: REQUIRED/],
    ['a reason with a bidi override', 'BUNDLE_SCHEMA_INVALID', mutated((b) => (entries(b)[0] = { op: 'revoke', id: wireIndicator().id, reason: 'fake \u202Egnp.exe' })), /^entries\[0\]\.reason: REASON_HOSTILE_TEXT/],
    [
      'the same indicator twice',
      'BUNDLE_SCHEMA_INVALID',
      mutated((b) => entries(b).push({ op: 'revoke', id: (entries(b)[0]!.indicator as { id: string }).id, reason: 'withdrawn' })),
      /^entries\[2\]\.id: DUPLICATE_ENTRY \(indicator \S+ already appears in entries\[0\]\)/,
    ],
    ['pretty-printed bytes', 'BUNDLE_NOT_CANONICAL', utf8(JSON.stringify(sampleBundle(2), null, 2))],
    ['keys out of order', 'BUNDLE_NOT_CANONICAL', utf8(JSON.stringify(sampleBundle(1)))],
    ['a needless escape', 'BUNDLE_NOT_CANONICAL', utf8(text(canonicalBytes(sampleBundle(1))).replace('palermo/bundle@1', 'palermo\\/bundle@1'))],
    ['a duplicated key (JSON.parse keeps the last)', 'BUNDLE_NOT_CANONICAL', utf8(text(canonicalBytes(sampleBundle(1))).replace('{"audience":"all",', '{"audience":"de-bka","audience":"all",'))],
    ['a trailing newline', 'BUNDLE_NOT_CANONICAL', utf8(text(canonicalBytes(sampleBundle(1))) + '\n')],
    ['an escaped lone surrogate', 'BUNDLE_NOT_CANONICAL', utf8(text(mutated((b) => (entries(b)[0] = { op: 'revoke', id: wireIndicator().id, reason: 'LONE' }))).replace('LONE', '\\ud800'))],
  ])('%s → %s', (_name, code, bytes, message) => {
    const result = parse(bytes);
    expect(result.ok ? 'ok' : result.code).toBe(code);
    if (message && !result.ok) expect(result.message).toMatch(message);
  });

  it('more bytes than maxBytes → BUNDLE_OVERSIZE, before anything is decoded', () => {
    const bytes = canonicalBytes(sampleBundle(2));
    expect(parse(bytes, bytes.length - 1)).toEqual({ ok: false, code: 'BUNDLE_OVERSIZE', message: `bundle is ${bytes.length} bytes, the limit is ${bytes.length - 1}` });
    expect(parse(Uint8Array.from([0xff, 0xff]), 1)).toMatchObject({ code: 'BUNDLE_OVERSIZE' });
  });

  it('an invalid indicator: the message names the entry index and the field', () => {
    const bytes = mutated((b) => ((entries(b)[1]!.indicator as Record<string, unknown>).confidence = 101));
    const result = parse(bytes);
    expect(result).toMatchObject({ ok: false, code: 'BUNDLE_SCHEMA_INVALID', message: expect.stringMatching(/^entries\[1\]\.indicator\.confidence: /) });
    expect(!result.ok && result.errors).toEqual([expect.objectContaining({ index: 1, path: ['entries', 1, 'indicator', 'confidence'] })]);
  });

  it('a value that is not normalized: VALUE_NOT_NORMALIZED at entries[i].indicator.value', () => {
    const bytes = mutated((b) => ((entries(b)[0]!.indicator as Record<string, unknown>).value = '+31 6 12345678'));
    const result = parse(bytes);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toContainEqual(expect.objectContaining({ index: 0, path: ['entries', 0, 'indicator', 'value'], code: 'VALUE_NOT_NORMALIZED' }));
    expect(!result.ok && result.message).toMatch(/^entries\[0\]\.indicator\.value: VALUE_NOT_NORMALIZED/);
  });

  it('an unknown field inside an indicator is named with its path', () => {
    const bytes = mutated((b) => ((entries(b)[1]!.indicator as Record<string, unknown>).secretSource = 'informant 7'));
    const result = parse(bytes);
    expect(!result.ok && result.message).toMatch(/entries\[1\]\.indicator\.secretSource: /);
  });

  it('lists every error (up to MAX_REPORTED_ERRORS), and the message shows the first five', () => {
    const bytes = mutated((b) => entries(b).forEach((e) => ((e.indicator as Record<string, unknown>).tlp = 'purple')));
    const many = mutated((b) => {
      b.entries = Array.from({ length: 7 }, () => ({ op: 'upsert', indicator: { ...wireIndicator(), tlp: 'purple' } }));
    });
    expect(!parse(bytes).ok && (parse(bytes) as { errors: unknown[] }).errors).toHaveLength(2);
    expect((parse(many) as { message: string }).message).toMatch(/entries\[4\].*\(\+2 more\)$/);
    const flood = mutated((b) => {
      b.entries = Array.from({ length: MAX_REPORTED_ERRORS + 50 }, () => ({ op: 'upsert', indicator: { ...wireIndicator(), tlp: 'purple' } }));
    });
    const result = parse(flood, 1 << 20);
    expect(!result.ok && result.errors).toHaveLength(MAX_REPORTED_ERRORS);
    expect(!result.ok && result.message).toMatch(/\(\+145 more\)$/);
  });

  it('hostile nesting and huge arrays end in a result, never a throw', () => {
    const deep = utf8('['.repeat(100_000) + ']'.repeat(100_000));
    expect(parse(deep, 1 << 20).ok).toBe(false);
    const nested = '['.repeat(100_000) + ']'.repeat(100_000);
    const deepIndicator = utf8(text(canonicalBytes(sampleBundle(1))).replace(/"indicator":\{[^}]*\}/, `"indicator":${nested}`));
    expect(parse(deepIndicator, 1 << 20)).toMatchObject({ ok: false, code: 'BUNDLE_SCHEMA_INVALID' });
  });
});

describe('parseBundleBytes accepts', () => {
  it.each<[string, Bundle]>([
    ['a first bundle', sampleBundle(3)],
    ['a later bundle', sampleBundle(3, { seq: 7, prev: 'f'.repeat(64) })],
    ['a partner audience', sampleBundle(1, { audience: 'de-bka' })],
    ['no entries', sampleBundle(0)],
    ['a revocation', { ...sampleBundle(0), entries: [{ op: 'revoke', id: wireIndicator().id, reason: 'false positive ✓' }] }],
  ])('%s', (_name, bundle) => {
    const bytes = canonicalBytes(bundle);
    expect(parse(bytes)).toEqual({ ok: true, bundle, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('exactly maxBytes', () => {
    const bytes = canonicalBytes(sampleBundle(2));
    expect(parse(bytes, bytes.length).ok).toBe(true);
  });
});
