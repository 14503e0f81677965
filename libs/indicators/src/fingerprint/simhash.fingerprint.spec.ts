import { sha256 } from '@noble/hashes/sha2';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeValue } from '../value.normalizer';
import { adTextTokens } from './ad-text.tokenizer';
import { hammingDistance } from './hamming.distance';
import { MAX_FINGERPRINT_TEXT_LENGTH, shingleCounts, textFingerprint } from './simhash.fingerprint';

const ADS = [
  'New in town! Sweet young girl from abroad, available 24/7 for incall and outcall. Discreet apartment near the central station, call or WhatsApp 06 12345678. No rush, full service, new photos every week.',
  'Hiring now: waitresses and dancers wanted for a busy club in Amsterdam. Good money, free housing and travel paid, no experience and no papers needed. Send a photo and your age to our recruiter on Telegram.',
  'Cleaning staff needed for hotels in the north. Work permit arranged by the agency, we pay the flight and the first month of rent, deducted from salary later. Apply today, places are limited.',
  'Beautiful Asian massage, relaxing body to body treatment by new young ladies, open late every day, parking available, cash only, ask for the special offer.',
];

// A small deterministic generator: the statistics below are the same on every run.
function random(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
}
const word = (next: () => number, length: number) => Array.from({ length }, () => String.fromCharCode(97 + Math.floor(next() * 26))).join('');
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) * p)];

describe('textFingerprint (SimHash-64)', () => {
  it('returns a normalized text-fingerprint value, the same every time', () => {
    const fingerprint = textFingerprint(ADS[0]);
    expect(fingerprint).toMatch(/^simhash64:[0-9a-f]{16}$/);
    expect(textFingerprint(ADS[0])).toBe(fingerprint);
  });

  it('is pinned: a change to the algorithm changes identities on every node and must be deliberate', () => {
    expect(ADS.map(textFingerprint)).toMatchInlineSnapshot(`
      [
        "simhash64:da0a09b78490445f",
        "simhash64:cc08b856b6273239",
        "simhash64:042a96a1834c5a91",
        "simhash64:c40cc6eae53c2808",
      ]
    `);
  });

  it('follows its definition: two-word shingles, SHA-256 first 8 bytes, a weighted bit vote', () => {
    const text = 'a b c a b';
    const counts = shingleCounts(adTextTokens(text));
    expect([...counts]).toEqual([['a b', 2], ['b c', 1], ['c a', 1]]);
    const votes = new Array(64).fill(0);
    for (const [shingle, count] of counts) {
      const bits = BigInt(`0x${Buffer.from(sha256(new TextEncoder().encode(shingle))).subarray(0, 8).toString('hex')}`);
      for (let bit = 0; bit < 64; bit++) votes[bit] += (bits >> BigInt(63 - bit)) & 1n ? count : -count;
    }
    const expected = BigInt(`0b${votes.map((v) => (v > 0 ? '1' : '0')).join('')}`).toString(16).padStart(16, '0');
    expect(textFingerprint(text)).toBe(`simhash64:${expected}`);
  });

  it('ignores case, accents, full-width forms, punctuation, whitespace and the digits of numbers', () => {
    const base = textFingerprint('New in town: sweet girl, call 0612345678, 100 euro');
    for (const variant of [
      'NEW IN TOWN: SWEET GIRL, CALL 0612345678, 100 EURO',
      'new   in\ntown sweet girl call 0687654321 150 euro!!!',
      'Ｎｅｗ ｉｎ ｔｏｗｎ — swéet gîrl... call 06-1234-5678 (200 € / euro)'.replace(/06-1234-5678/, '0612345678').replace('200 €', '200'),
    ]) {
      expect(textFingerprint(variant), variant).toBe(base);
    }
  });

  it('puts near-duplicate ads (one word changed, a sentence added, a city swapped) a few bits apart', () => {
    const pairs: [string, string][] = [
      [ADS[0], ADS[0].replace('Sweet', 'Lovely')],
      [ADS[0], ADS[0].replace('06 12345678', '06 87654321')],
      [ADS[0], `${ADS[0]} Kisses!`],
      [ADS[1], ADS[1].replace('Amsterdam', 'Rotterdam')],
      [ADS[2], ADS[2].replace('north', 'south')],
      [ADS[3], ADS[3].replace('cash only', 'cash or card')],
    ];
    for (const [a, b] of pairs) expect(hammingDistance(textFingerprint(a), textFingerprint(b)), b).toBeLessThanOrEqual(12);
  });

  it('keeps unrelated ads far apart', () => {
    const fingerprints = ADS.map(textFingerprint);
    for (let i = 0; i < ADS.length; i++) {
      for (let j = i + 1; j < ADS.length; j++) expect(hammingDistance(fingerprints[i], fingerprints[j]), `${i} vs ${j}`).toBeGreaterThanOrEqual(20);
    }
  });

  it('over many random one-word edits stays near, and over many unrelated texts stays far (distributions)', () => {
    const next = random(7);
    const near: number[] = [];
    for (const ad of ADS) {
      const words = ad.split(' ');
      const base = textFingerprint(ad);
      for (let k = 0; k < 100; k++) {
        const edited = [...words];
        edited[Math.floor(next() * edited.length)] = word(next, 6);
        near.push(hammingDistance(base, textFingerprint(edited.join(' '))));
      }
    }
    const far: number[] = [];
    for (let k = 0; k < 400; k++) {
      const text = () => Array.from({ length: 30 }, () => word(next, 5)).join(' ');
      far.push(hammingDistance(textFingerprint(text()), textFingerprint(text())));
    }
    expect(percentile(near, 0.5)).toBeLessThanOrEqual(8);
    expect(percentile(near, 0.95)).toBeLessThanOrEqual(13);
    expect(percentile(far, 0.5)).toBeGreaterThanOrEqual(28);
    expect(percentile(far, 0.05)).toBeGreaterThanOrEqual(22);
  });

  it('fingerprints a one-word text, emoji and scripts written without spaces', () => {
    expect(textFingerprint('hello')).toMatch(/^simhash64:[0-9a-f]{16}$/);
    expect(adTextTokens('🌹🌹 new 🍭')).toEqual(['🌹', '🌹', 'new', '🍭']);
    expect(adTextTokens('新来的女孩')).toEqual(['新', '来', '的', '女', '孩']);
    expect(adTextTokens("Café l'été 24/7 +31-6")).toEqual(['cafe', 'l', 'ete', '0', '0', '0', '0']);
    expect(hammingDistance(textFingerprint('新来的女孩 很年轻'), textFingerprint('新来的女孩 很年青'))).toBeLessThan(20);
  });

  it('treats hostile characters as separators and never throws on them', () => {
    const hostile = 'new\u0000in\u202Etown\uD800girl\u200B';
    expect(adTextTokens(hostile)).toEqual(['new', 'in', 'town', 'girl']);
    expect(textFingerprint(hostile)).toBe(textFingerprint('new in town girl'));
  });

  it('on any string returns a value the text-fingerprint normalizer keeps as it is, or refuses with a code', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 200 })), (text) => {
        let fingerprint: string;
        try {
          fingerprint = textFingerprint(text);
        } catch (error) {
          expect(error).toMatchObject({ code: 'TEXT_FINGERPRINT_NO_WORDS' });
          return;
        }
        expect(normalizeValue('text-fingerprint', fingerprint)).toEqual({ ok: true, value: fingerprint });
        // ASCII case only: lower-casing is not full case folding ("ᾀ" upper-cases to two letters; see README).
        expect(textFingerprint(text.replace(/[a-z]+/g, (w) => w.toUpperCase()))).toBe(fingerprint);
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['', 'TEXT_FINGERPRINT_NO_WORDS'],
    ['  !!! … ---\n', 'TEXT_FINGERPRINT_NO_WORDS'],
    ['a'.repeat(MAX_FINGERPRINT_TEXT_LENGTH + 1), 'TEXT_TOO_LONG'],
    [42 as unknown as string, 'TEXT_NOT_A_STRING'],
  ])('refuses %j with %s', (text, code) => {
    expect(() => textFingerprint(text)).toThrow(expect.objectContaining({ code }));
  });

  it('reads a long text in bounded time', () => {
    const started = performance.now();
    const text = Array.from({ length: 100_000 }, (_, i) => `word${String.fromCharCode(97 + (i % 26))}`).join(' ');
    expect(textFingerprint(text)).toMatch(/^simhash64:/);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('hammingDistance', () => {
  it.each([
    ['simhash64:0000000000000000', 'simhash64:0000000000000000', 0],
    ['simhash64:0000000000000000', 'simhash64:ffffffffffffffff', 64],
    ['simhash64:0000000000000001', 'simhash64:0000000000000003', 1],
    ['phash:f0f0f0f0f0f0f0f0', 'phash:0f0f0f0f0f0f0f0f', 64],
    [`pdq:${'0'.repeat(64)}`, `pdq:${'8'.repeat(64)}`, 64],
    [`pdq:${'0'.repeat(63)}7`, `pdq:${'0'.repeat(64)}`, 3],
    ['ff', '00', 8],
  ])('%s vs %s → %i', (a, b, distance) => {
    expect(hammingDistance(a, b)).toBe(distance);
    expect(hammingDistance(b, a)).toBe(distance);
  });

  it.each([
    ['simhash64:0000000000000000', 'phash:0000000000000000', 'HASH_ALGORITHM_MISMATCH'],
    ['phash:0000000000000000', `pdq:${'0'.repeat(64)}`, 'HASH_ALGORITHM_MISMATCH'],
    ['phash:0000000000000000', '0000000000000000', 'HASH_ALGORITHM_MISMATCH'],
    ['00', '000', 'HASH_ALGORITHM_MISMATCH'],
    ['simhash64:XYZ', 'simhash64:000', 'HASH_INVALID'],
    ['simhash64:', 'simhash64:', 'HASH_INVALID'],
    ['SIMHASH64:0000000000000000', 'simhash64:0000000000000000', 'HASH_INVALID'],
    ['0'.repeat(100_000), '0'.repeat(100_000), 'HASH_INVALID'],
    [null as unknown as string, '00', 'HASH_INVALID'],
  ])('%j vs %j → %s', (a, b, code) => {
    expect(() => hammingDistance(a, b)).toThrow(expect.objectContaining({ code }));
  });
});
