import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '@palermo/indicators';
import { buildBundle, encodeIntoBundles, MAX_ENVELOPE_BYTES, splitIntoBundles, type EncodedBundle } from './bundle.builder';
import { checkChain, type ChainHead } from './bundle.chain';
import { bundleHash, canonicalBytes, canonicalJson } from './bundle.codec';
import { entryArb, wireIndicator } from './bundle.fixtures';
import type { Bundle, BundleEntry } from './bundle.types';

const base = { publisher: 'nl-police', audience: 'de-bka', seq: 1, prev: null, entries: [] };

describe('buildBundle', () => {
  it('mints a uuid v7 id and createdAt = now, keeps what it is given', () => {
    const before = Date.now();
    const bundle = buildBundle({ ...base, entries: [{ op: 'revoke', id: wireIndicator().id, reason: 'duplicate' }] });
    expect(bundle).toMatchObject({ spec: 'palermo/bundle@1', publisher: 'nl-police', audience: 'de-bka', seq: 1, prev: null });
    expect(bundle.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Date.parse(bundle.createdAt)).toBeGreaterThanOrEqual(before);
    expect(bundle.createdAt).toBe(new Date(bundle.createdAt).toISOString());
  });

  it('uses the given id and createdAt', () => {
    const id = '01890a5d-ac96-774b-bcce-b302099a8057';
    expect(buildBundle({ ...base, id, createdAt: '2025-01-01T00:00:00.000Z' })).toMatchObject({ id, createdAt: '2025-01-01T00:00:00.000Z' });
  });

  it.each<[string, Partial<Parameters<typeof buildBundle>[0]>, RegExp]>([
    ['seq 0', { seq: 0 }, /seq/],
    ['prev at seq 1', { prev: 'a'.repeat(64) }, /prev: PREV_NOT_NULL/],
    ['no prev at seq 2', { seq: 2 }, /prev: PREV_REQUIRED/],
    ['publisher "all"', { publisher: 'all' }, /publisher/],
    ['a bad audience', { audience: 'DE' }, /audience/],
    ['a bad createdAt', { createdAt: '2025-01-01' }, /createdAt/],
  ])('refuses %s with BUNDLE_INVALID', (_name, change, message) => {
    expect(() => buildBundle({ ...base, ...change })).toThrowError(expect.objectContaining({ code: 'BUNDLE_INVALID', message: expect.stringMatching(message) }));
  });
});

/** A make() as an exporter writes it: each bundle continues the chain of the one made before. */
function chainMaker(publisher = 'nl-police', audience = 'all'): { make: (entries: BundleEntry[]) => Bundle; calls: BundleEntry[][] } {
  let head: ChainHead | null = null;
  const calls: BundleEntry[][] = [];
  const make = (entries: BundleEntry[]): Bundle => {
    calls.push(entries);
    const bundle = buildBundle({ publisher, audience, seq: (head?.seq ?? 0) + 1, prev: head?.hash ?? null, entries });
    head = { seq: bundle.seq, hash: bundleHash(canonicalBytes(bundle)) };
    return bundle;
  };
  return { make, calls };
}

const entrySize = (entry: BundleEntry): number => Buffer.byteLength(canonicalJson(entry), 'utf8');

describe('splitIntoBundles', () => {
  it('property: every bundle ≤ maxBytes, entries kept in order, bundles greedily full, chain linked', () => {
    const sizedEntry = fc.oneof(
      entryArb,
      fc.integer({ min: 1, max: 1024 }).map((n): BundleEntry => ({ op: 'revoke', id: wireIndicator().id, reason: 'é'.repeat(n) })),
      fc.integer({ min: 1, max: 4096 }).map((n): BundleEntry => ({ op: 'upsert', indicator: wireIndicator({ description: 'ü'.repeat(n) }) })),
    );
    fc.assert(
      fc.property(fc.array(sizedEntry, { maxLength: 40 }), fc.integer({ min: 9_000, max: 40_000 }), (entries, maxBytes) => {
        const { make, calls } = chainMaker();
        const bundles = splitIntoBundles(entries, maxBytes, make);
        expect(calls).toHaveLength(bundles.length); // make() once per bundle
        expect(bundles.flatMap((b) => b.entries)).toEqual(entries);
        let head: ChainHead | null = null;
        bundles.forEach((bundle, i) => {
          const bytes = canonicalBytes(bundle);
          expect(bytes.length).toBeLessThanOrEqual(maxBytes);
          expect(bundle.entries.length).toBeGreaterThan(0);
          expect(checkChain(head, bundle)).toEqual({ ok: true });
          head = { seq: bundle.seq, hash: bundleHash(bytes) };
          // Greedy: the next bundle's first entry would not have fitted (within the envelope budget).
          const next = bundles[i + 1];
          if (next) expect(bytes.length + 1 + entrySize(next.entries[0]!)).toBeGreaterThan(maxBytes - MAX_ENVELOPE_BYTES);
        });
      }),
      { numRuns: 60 },
    );
  });

  it('no entries → no bundles, make() not called', () => {
    const { make, calls } = chainMaker();
    expect(splitIntoBundles([], 10_000, make)).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('an entry that fits alone exactly at the limit is accepted', () => {
    const entry: BundleEntry = { op: 'revoke', id: wireIndicator().id, reason: 'x'.repeat(1000) };
    const maxBytes = MAX_ENVELOPE_BYTES + entrySize(entry);
    expect(splitIntoBundles([entry, entry], maxBytes, chainMaker().make)).toHaveLength(2);
  });

  it('an entry too big for any bundle → ENTRY_TOO_LARGE naming its index, before make() is called', () => {
    const small: BundleEntry = { op: 'revoke', id: wireIndicator().id, reason: 'ok' };
    const big: BundleEntry = { op: 'upsert', indicator: wireIndicator({ description: 'x'.repeat(4096) }) };
    const { make, calls } = chainMaker();
    let thrown: unknown;
    try {
      splitIntoBundles([small, small, big], 4000, make);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect(thrown).toMatchObject({ code: 'ENTRY_TOO_LARGE', message: expect.stringMatching(/^entry 2 is \d+ bytes/), details: { index: 2 } });
    expect(calls).toHaveLength(0);
  });

  it('refuses a limit smaller than an empty bundle', () => {
    expect(() => splitIntoBundles([], 100, chainMaker().make)).toThrowError(expect.objectContaining({ code: 'BUNDLE_LIMIT_INVALID' }));
  });

  it('catches a make() that strays from the wire format and overflows', () => {
    const entry: BundleEntry = { op: 'revoke', id: wireIndicator().id, reason: 'x'.repeat(500) };
    const maxBytes = MAX_ENVELOPE_BYTES + entrySize(entry);
    const sloppy = (entries: BundleEntry[]): Bundle => ({ ...buildBundle({ ...base, entries }), audience: 'x'.repeat(200) });
    expect(() => splitIntoBundles([entry], maxBytes, sloppy)).toThrowError(expect.objectContaining({ code: 'BUNDLE_OVERSIZE' }));
  });
});

/** A make() linking the chain from the bundle encodeIntoBundles made before (no re-hashing). */
function linkedMaker(head: ChainHead | null = null, audience = 'all') {
  const calls: BundleEntry[][] = [];
  const make = (entries: BundleEntry[], previous: EncodedBundle | null): Bundle => {
    calls.push(entries);
    const link = previous ? { seq: previous.bundle.seq, hash: previous.hash } : head;
    return buildBundle({ publisher: 'nl-police', audience, seq: (link?.seq ?? 0) + 1, prev: link?.hash ?? null, entries });
  };
  return { make, calls };
}

describe('encodeIntoBundles', () => {
  it('property: bytes are exactly canonicalBytes(bundle), hash is their hash, cut points as splitIntoBundles', () => {
    const sizedEntry = fc.oneof(
      entryArb,
      fc.integer({ min: 1, max: 2048 }).map((n): BundleEntry => ({ op: 'upsert', indicator: wireIndicator({ description: '"\\é🙂'.repeat(n % 300 + 1) }) })),
    );
    fc.assert(
      fc.property(fc.array(sizedEntry, { maxLength: 40 }), fc.integer({ min: 9_000, max: 40_000 }), (entries, maxBytes) => {
        const { make, calls } = linkedMaker();
        const encoded = [...encodeIntoBundles(entries, maxBytes, make)];
        expect(calls).toHaveLength(encoded.length);
        expect(encoded.map((e) => e.bundle.entries.length)).toEqual(splitIntoBundles(entries, maxBytes, chainMaker().make).map((b) => b.entries.length));
        let head: ChainHead | null = null;
        for (const { bundle, bytes, hash } of encoded) {
          expect(Buffer.from(bytes).equals(Buffer.from(canonicalBytes(bundle)))).toBe(true);
          expect(hash).toBe(bundleHash(canonicalBytes(bundle)));
          expect(bytes.length).toBeLessThanOrEqual(maxBytes);
          expect(checkChain(head, bundle)).toEqual({ ok: true });
          head = { seq: bundle.seq, hash };
        }
        expect(encoded.flatMap((e) => e.bundle.entries)).toEqual(entries);
      }),
      { numRuns: 60 },
    );
  });

  it('is lazy: the next chunk is made only when asked for, linked to the one before', () => {
    const entry: BundleEntry = { op: 'revoke', id: wireIndicator().id, reason: 'x'.repeat(1000) };
    const head = { seq: 41, hash: 'a'.repeat(64) };
    const { make, calls } = linkedMaker(head);
    const bundles = encodeIntoBundles([entry, entry, entry], MAX_ENVELOPE_BYTES + entrySize(entry), make);
    expect(calls).toHaveLength(0);
    const first = bundles.next().value as EncodedBundle;
    expect(calls).toHaveLength(1);
    expect(first.bundle).toMatchObject({ seq: 42, prev: head.hash });
    const second = bundles.next().value as EncodedBundle;
    expect(second.bundle).toMatchObject({ seq: 43, prev: first.hash });
    expect(calls).toHaveLength(2);
  });

  it.each<[string, (bundle: Bundle) => Bundle]>([
    ['entries copied by make()', (b) => ({ ...b, entries: b.entries.map((e) => structuredClone(e)) })],
    ['"entries":[] inside an envelope string', (b) => ({ ...b, audience: '"entries":[],"x' })],
    ['a nested object in the envelope', (b) => ({ ...b, extra: { entries: [], z: 1 } }) as Bundle],
  ])('still yields canonical bytes with %s', (_name, stray) => {
    const entries: BundleEntry[] = [{ op: 'upsert', indicator: wireIndicator({ description: 'ü"' }) }, { op: 'revoke', id: wireIndicator().id, reason: 'r' }];
    const [encoded] = [...encodeIntoBundles(entries, 100_000, (chunk) => stray(buildBundle({ ...base, entries: chunk })))];
    expect(Buffer.from(encoded!.bytes).toString()).toBe(canonicalJson(encoded!.bundle));
    expect(encoded!.hash).toBe(bundleHash(encoded!.bytes));
  });

  it('refuses a bad limit and an entry too large, like splitIntoBundles', () => {
    expect(() => [...encodeIntoBundles([], 100, linkedMaker().make)]).toThrowError(expect.objectContaining({ code: 'BUNDLE_LIMIT_INVALID' }));
    const big: BundleEntry = { op: 'upsert', indicator: wireIndicator({ description: 'x'.repeat(4096) }) };
    expect(() => [...encodeIntoBundles([big], 4000, linkedMaker().make)]).toThrowError(expect.objectContaining({ code: 'ENTRY_TOO_LARGE' }));
  });
});
