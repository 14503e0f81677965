import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INDICATOR_TYPES, type IndicatorType } from './indicator.types';
import type { NormalizeContext } from './normalize.types';
import { normalizeValue } from './value.normalizer';

// Valid samples per type: mutating them reaches the interesting edges far more often than noise.
const SAMPLES: Record<IndicatorType, string[]> = {
  phone: ['06 12345678', '+31 6 1234 5678', '+49 30 123456', '(201) 555-0123', '+1 201 555 0123 ext. 5'],
  email: ['Anna.Smith@Example.COM', 'josé@exämple.es', 'anna@bücher.de.', 'ａｎｎａ＠ｅｘａｍｐｌｅ．ｃｏｍ'],
  username: ['@Anna_B', 'Ὀδυσσεύς', 'İstanbul', 'ﬁona  maria'],
  url: ['example.com/ad?id=7#x', 'HTTP://Bücher.DE:80/%7e/ä?', 'http://[2001:db8::1]:8080/', 'example.com:8080'],
  domain: ['Example.COM.', 'bücher.de', 'pаypal.com', 'ｅｘａｍｐｌｅ。com'],
  ip: ['192.0.2.1', '2001:DB8:0:0:0:0:0:1', '::ffff:192.0.2.1', '[64:ff9b::192.0.2.1]'],
  'crypto-wallet': ['1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', 'BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4', 'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0'],
  iban: ['nl91 abna 0417 1643 00', 'DE89-3704-0044-0532-0130-00', 'FR14 2004 1010 0505 0001 3M02 606'],
  keyword: ['New  in Town', 'ﬁrst time', 'ΟΔΟΣ 🌹', 'cafe\u0301'],
  'text-fingerprint': ['simhash64:0F1E2D3C4B5A6978', 'a1b2c3d4e5f60718'],
  'image-hash': ['pdq:' + 'F'.repeat(8) + '0123456789abcdef'.repeat(3) + '01234567', 'PHASH:d1c4e2a3b4f50617', '8e1f0c3a5b7d9e2f'],
  'file-sha256': ['E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855'],
};
const ETH_SAMPLES = ['0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', '0X8617E340B3D01FA5F11F306F4090FD50E238070D'];

// Characters that trip normalizers: case specials, compatibility forms, invisibles, separators.
const TRICKY = [' ', '.', '@', ':', '/', '-', '_', '+', '%', '%41', '[', ']', '#', '?', 'ß', 'İ', 'ı', 'ﬁ', 'Ａ', '＠', '。', '\u3000',
  '\u0301', '\u0307', '\u00AD', '\u200B', '\u200D', 'K', 'Σ', 'ς', 'ǅ', 'ᾈ', '\uFDFA', '\t', '\n', 'x', '0', '9', 'A', '\uD800', '\u202E'];

const char = fc.oneof(fc.constantFrom(...TRICKY), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));

/** A sample with one character inserted or replaced, or with its case flipped, or plain noise. */
function candidates(samples: string[]): fc.Arbitrary<string> {
  const sample = fc.constantFrom(...samples);
  const insert = fc.tuple(sample, fc.nat(), char).map(([s, at, c]) => s.slice(0, at % (s.length + 1)) + c + s.slice(at % (s.length + 1)));
  const replace = fc.tuple(sample, fc.nat(), char).map(([s, at, c]) => s.slice(0, at % s.length) + c + s.slice((at % s.length) + 1));
  const flip = sample.map((s) => [...s].map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase())).join(''));
  const noise = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.array(char, { maxLength: 12 }).map((cs) => cs.join('')));
  return fc.oneof(sample, insert, replace, flip, noise);
}

/** The input context, and the context a partner has when it re-checks the value (no phone region). */
function contexts(type: IndicatorType, chain: string): [NormalizeContext, NormalizeContext] {
  return type === 'phone' ? [{ defaultRegion: 'NL' }, {}] : [{ chain }, { chain }];
}

describe('normalization properties', () => {
  const cases = INDICATOR_TYPES.flatMap((type): [IndicatorType, string, string[]][] =>
    type === 'crypto-wallet'
      ? [
          [type, 'btc', SAMPLES[type]],
          [type, 'eth', ETH_SAMPLES],
        ]
      : [[type, '', SAMPLES[type]]],
  );

  it.each(cases)('%s %s: never throws, and normalize(normalize(x)) === normalize(x)', (type, chain, samples) => {
    const [inputCtx, wireCtx] = contexts(type, chain);
    let accepted = 0;
    fc.assert(
      fc.property(candidates(samples), (raw) => {
        const once = normalizeValue(type, raw, inputCtx);
        if (!once.ok) {
          expect(once.code).toMatch(/^[A-Z0-9_]+$/);
          return;
        }
        accepted++;
        expect(normalizeValue(type, once.value, wireCtx)).toEqual(once);
      }),
      { numRuns: 400 },
    );
    expect(accepted).toBeGreaterThan(0); // the generator does reach valid values
  });
});
