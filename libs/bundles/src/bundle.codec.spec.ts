import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '@palermo/indicators';
import { bundleHash, canonicalBytes, canonicalJson, parseBundleBytes } from './bundle.codec';
import { buildBundle } from './bundle.builder';
import { entryArb, sampleBundle, shuffleKeys, utf8 } from './bundle.fixtures';
import type { Bundle } from './bundle.types';

const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

const bundleArb: fc.Arbitrary<Bundle> = fc
  .record({
    audience: fc.constantFrom('all', 'de-bka', 'ngo-lastrada'),
    seq: fc.integer({ min: 1, max: 1_000_000 }),
    prevHash: fc.stringMatching(/^[0-9a-f]{64}$/),
    entries: fc.array(entryArb, { maxLength: 8 }),
  })
  .map(({ seq, prevHash, ...rest }) => buildBundle({ publisher: 'nl-police', seq, prev: seq === 1 ? null : prevHash, ...rest }));

describe('canonicalBytes (RFC 8785)', () => {
  it.each([
    // U+1F600 is the pair D83D DE00, so it sorts before U+FFFF: code units, not code points.
    ['keys sorted by UTF-16 code units', { b: 1, a: 2, A: 3, é: 4, '\uFFFF': 6, '\u{1F600}': 5 }, '{"A":3,"a":2,"b":1,"é":4,"\u{1F600}":5,"\uFFFF":6}'],
    ['nested objects and arrays keep array order', { z: [{ y: 1, x: 2 }, 3], a: null }, '{"a":null,"z":[{"x":2,"y":1},3]}'],
    ['ES number form', { n: [1.0, -0, 1e21, 1e-7, 0.1, 123456789012] }, '{"n":[1,0,1e+21,1e-7,0.1,123456789012]}'],
    ['minimal string escapes, no escaping of non-ASCII', { s: '\u0000\b\t\n\f\r"\\/€\u2028' }, '{"s":"\\u0000\\b\\t\\n\\f\\r\\"\\\\/€\u2028"}'],
    ['undefined properties dropped', { a: 1, b: undefined }, '{"a":1}'],
  ])('%s', (_name, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('refuses lone surrogates (RFC 8785 §3.2.2.2) instead of escaping them', () => {
    expect(() => canonicalJson({ s: 'a\uD800b' })).toThrowError(DomainError);
    expect(() => canonicalJson({ ['\uDC00']: 1 })).toThrow(/lone UTF-16 surrogate/);
    expect(canonicalJson({ s: '\u{1F600}' })).toBe('{"s":"\u{1F600}"}'); // a proper pair is fine
  });

  it('bundleHash is lower-case hex SHA-256 of the bytes', () => {
    expect(bundleHash(utf8('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('property: same bytes and hash whatever the key order of every object', () => {
    fc.assert(
      fc.property(bundleArb, fc.integer(), (bundle, seed) => {
        const bytes = canonicalBytes(bundle);
        const shuffled = canonicalBytes(shuffleKeys(bundle, seed));
        expect(decode(shuffled)).toBe(decode(bytes));
        expect(bundleHash(shuffled)).toBe(bundleHash(bytes));
      }),
      { numRuns: 200 },
    );
  });

  it('property: whitespace and escaping variants of the same JSON give the same bytes', () => {
    fc.assert(
      fc.property(bundleArb, (bundle) => {
        const pretty = JSON.parse(JSON.stringify(bundle, null, 2).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
        expect(decode(canonicalBytes(pretty))).toBe(decode(canonicalBytes(bundle)));
      }),
      { numRuns: 100 },
    );
  });
});

describe('parseBundleBytes(canonicalBytes(bundle))', () => {
  it('property: round-trips to an equal bundle and the same hash', () => {
    fc.assert(
      fc.property(bundleArb, fc.integer(), (bundle, seed) => {
        const bytes = canonicalBytes(shuffleKeys(bundle, seed));
        const parsed = parseBundleBytes(bytes, { maxBytes: 1 << 20 });
        expect(parsed).toEqual({ ok: true, bundle, hash: bundleHash(bytes) });
      }),
      { numRuns: 150 },
    );
  });

  it('a sample bundle of every indicator type round-trips', () => {
    const bundle = sampleBundle(11);
    const parsed = parseBundleBytes(canonicalBytes(bundle), { maxBytes: 1 << 20 });
    expect(parsed.ok ? parsed.bundle : parsed).toEqual(bundle);
  });
});
