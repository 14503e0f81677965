// Test data shared by the bundle specs (not exported from index.ts).
import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import { TLP_LEVELS, type WireIndicator } from '@palermo/indicators';
import { buildBundle } from './bundle.builder';
import type { Bundle, BundleEntry } from './bundle.types';

/** Already-normalized wire values, one or more per type (E.164, punycode, lower-case, …). */
export const NORMALIZED_VALUES: readonly Pick<WireIndicator, 'type' | 'value' | 'platform' | 'chain'>[] = [
  { type: 'phone', value: '+31612345678' },
  { type: 'email', value: 'recruiter@example.org' },
  { type: 'username', value: 'easy_money_jobs', platform: 'telegram' },
  { type: 'url', value: 'http://example.org/ads/123' },
  { type: 'domain', value: 'xn--bcher-kva.example' },
  { type: 'ip', value: '192.0.2.10' },
  { type: 'ip', value: '2001:db8::1' },
  { type: 'crypto-wallet', value: '0x52908400098527886e0f7030069857d2e4169ee7', chain: 'eth' },
  { type: 'iban', value: 'NL91ABNA0417164300' },
  { type: 'keyword', value: 'model job abroad' },
  { type: 'file-sha256', value: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
];

/** A valid wire indicator (override any field). */
export function wireIndicator(overrides: Partial<WireIndicator> = {}): WireIndicator {
  return {
    id: uuidv7(),
    origin: 'nl-police',
    version: 1,
    ...NORMALIZED_VALUES[0]!,
    tlp: 'green',
    confidence: 80,
    tags: ['ht:recruitment', 'ht:sexual-exploitation'],
    firstSeen: '2025-01-02T03:04:05.006Z',
    lastSeen: '2025-02-02T03:04:05.006Z',
    validUntil: null,
    modifiedAt: '2025-02-03T00:00:00.000Z',
    ...overrides,
  };
}

/** A valid bundle with `n` upserts of the sample values (override any envelope field). */
export function sampleBundle(n = 3, overrides: Partial<Bundle> = {}): Bundle {
  const entries: BundleEntry[] = Array.from({ length: n }, (_, i) => ({
    op: 'upsert',
    indicator: wireIndicator(NORMALIZED_VALUES[i % NORMALIZED_VALUES.length]),
  }));
  return { ...buildBundle({ publisher: 'nl-police', audience: 'all', seq: 1, prev: null, entries }), ...overrides };
}

// Free text as analysts write it: accents, CJK, emoji (surrogate pairs), quotes, backslashes, line
// breaks. Not control or bidi characters, which the wire schema refuses.
const DESCRIPTION_CHARS = fc.constantFrom('a', 'Z', '0', ' ', 'é', 'ß', '€', '日', '\u{1F600}', '"', '\\', '/', '\n', '\t', '<');

const isoDate = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

/** Random valid wire indicators: sample values, every other field free within the wire schema. */
export const wireIndicatorArb: fc.Arbitrary<WireIndicator> = fc
  .record({
    base: fc.constantFrom(...NORMALIZED_VALUES),
    version: fc.integer({ min: 1, max: 1_000_000 }),
    tlp: fc.constantFrom(...TLP_LEVELS),
    confidence: fc.integer({ min: 0, max: 100 }),
    tags: fc.uniqueArray(fc.stringMatching(/^[a-z0-9][a-z0-9:._-]{0,20}$/), { maxLength: 6 }),
    seen: fc.tuple(isoDate, isoDate).map(([a, b]) => (a <= b ? [a, b] : [b, a])),
    validUntil: fc.option(isoDate, { nil: null }),
    description: fc.option(fc.string({ unit: DESCRIPTION_CHARS, minLength: 1, maxLength: 80 }), { nil: undefined }),
    modifiedAt: isoDate,
  })
  .map(({ base, seen, tags, description, ...rest }) => ({
    id: uuidv7(),
    origin: 'nl-police',
    ...base,
    ...rest,
    tags: [...tags].sort(),
    firstSeen: seen[0]!,
    lastSeen: seen[1]!,
    ...(description === undefined ? {} : { description }),
  }));

/** Random entries: upserts of random indicators and revocations with random reasons. */
export const entryArb: fc.Arbitrary<BundleEntry> = fc.oneof(
  wireIndicatorArb.map((indicator): BundleEntry => ({ op: 'upsert', indicator })),
  fc.string({ unit: DESCRIPTION_CHARS, minLength: 1, maxLength: 200 }).map((reason): BundleEntry => ({ op: 'revoke', id: uuidv7(), reason })),
);

/** A copy of a JSON value with every object's keys in a seeded random order. */
export function shuffleKeys<T>(value: T, seed: number): T {
  let state = seed >>> 0;
  // mulberry32: a tiny deterministic PRNG, so a failing case replays from its seed.
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [keys[i], keys[j]] = [keys[j]!, keys[i]!];
    }
    return Object.fromEntries(keys.map((k) => [k, walk((v as Record<string, unknown>)[k])]));
  };
  return walk(value) as T;
}

/** The bytes with one bit flipped. */
export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[bit >> 3] ^= 1 << (bit & 7);
  return copy;
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
