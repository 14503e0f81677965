import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acceptAll, BACKENDS, bundleOf, input, nodeId, openTestStore, wire, type TestStore } from '../store.fixtures';
import type { Store } from '../store';

const DAY = 86_400_000;
const PAST = '2020-01-01T00:00:00.000Z';
const FUTURE = '2999-01-01T00:00:00.000Z';

describe.each(BACKENDS)('retention purge (%s)', (backend) => {
  let t: TestStore;
  let store: Store;
  const me = nodeId('me');
  // A store per test: the purge sweeps the whole database.
  beforeEach(async () => {
    t = await openTestStore(backend, 'retention');
    store = t.store;
  });
  afterEach(async () => t?.dispose());

  /** Imports one bundle of `publisher` whose accepted indicators (and bytes) expire at `expiresAt`. */
  async function imported(publisher: string, expiresAt: string | null, indicators = [wire(publisher)]) {
    const made = bundleOf(publisher, me, 1, null, indicators.map((indicator) => ({ op: 'upsert' as const, indicator })));
    await store.imports.commitImport({ ...acceptAll(made), expiresAt });
    return made;
  }

  it('deletes expired imports (values and pseudonyms), drops expired bundle bytes, empties old quarantine payloads, and audits counts only', async () => {
    const p1 = nodeId('p');
    const p2 = nodeId('p');
    const p3 = nodeId('p');
    const onward = wire('x-origin', { type: 'email', value: 'onward@example.org' });
    const expiring = await imported(p1, PAST, [wire(p1, { value: '+31611111111' }), onward]);
    const victim = wire(p1, { type: 'email', value: 'victim@example.org' });
    const pseudonym = `hmac-sha256:${'cd'.repeat(32)}`;
    const hidden = bundleOf(p1, 'all', 1, null, [{ op: 'upsert', indicator: victim }]);
    await store.imports.commitImport({
      ...acceptAll(hidden, { action: 'accept-pseudonymized', pseudonym, reasons: ['policy.pseudonymize'] }),
      bytes: null,
      expiresAt: PAST,
    });
    const later = await imported(p2, FUTURE);
    const forever = await imported(p3, null);
    const [own] = await store.indicators.upsertOwn(me, [input({ value: 'own@example.org' })]);
    const q = await store.quarantine.add({ subject: 'palermo.v1.feed.x.y', payload: new TextEncoder().encode('{"evil":1}'), headers: {}, code: 'BUNDLE_MALFORMED_JSON', message: 'bad' });

    const now = new Date(Date.now() + 31 * DAY);
    const result = await store.retention.purgeExpired(now, 30);
    expect(result).toEqual({ indicators: 3, byPublisher: { [p1]: 3 }, bundlesRedacted: 1, quarantineCleared: 1, cutoff: now.toISOString() });

    expect(await store.indicators.getWithProvenance(onward.id)).toBeNull();
    expect((await store.indicators.search({ value: '+31611111111', limit: 10 })).items).toEqual([]);
    expect((await store.indicators.search({ pseudonym, limit: 10 })).items).toEqual([]);
    expect((await store.bundles.get(expiring.hash))?.bytes).toBeNull();
    expect(await store.bundles.get(hidden.hash)).toMatchObject({ bytes: null, expiresAt: PAST });
    // Decisions hold no values and stay: "why did we have this?" still has an answer.
    expect(await store.decisions.forBundle(expiring.hash)).toHaveLength(2);

    const laterId = (later.bundle.entries[0] as { indicator: { id: string } }).indicator.id;
    expect((await store.indicators.getWithProvenance(laterId))?.indicator.expiresAt).toBe(FUTURE);
    expect((await store.bundles.get(later.hash))?.bytes).not.toBeNull();
    expect((await store.bundles.get(forever.hash))?.bytes).not.toBeNull();
    expect((await store.indicators.search({ origin: p3, limit: 10 })).items).toHaveLength(1);
    expect((await store.indicators.getWithProvenance(own!.id, me))?.indicator).toMatchObject({ own: true, expiresAt: null });

    const cleared = await store.quarantine.get(q.id);
    expect(cleared).toMatchObject({ payloadSize: 0, code: 'BUNDLE_MALFORMED_JSON', message: 'bad', payloadClearedAt: now.toISOString() });
    expect(cleared!.payload).toHaveLength(0);
    expect(cleared!.payloadSha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await store.quarantine.list({ limit: 10 })).items[0]).toMatchObject({ payloadSize: 0, payloadClearedAt: now.toISOString() });

    const purges = await store.audit.list({ action: 'retention.purge' });
    expect(purges.items).toHaveLength(1);
    expect(purges.items[0]).toMatchObject({
      actor: null,
      subjectType: 'retention',
      details: { indicators: 3, byPublisher: { [p1]: 3 }, bundlesRedacted: 1, quarantineCleared: 1, cutoff: now.toISOString(), batch: 1 },
    });
    expect(JSON.stringify(purges.items)).not.toMatch(/victim|onward|\+316|hmac/);

    // Nothing left to purge: zero counts, no audit entry.
    expect(await store.retention.purgeExpired(now, 30)).toEqual({ indicators: 0, byPublisher: {}, bundlesRedacted: 0, quarantineCleared: 0, cutoff: now.toISOString() });
    expect((await store.audit.list({ action: 'retention.purge' })).items).toHaveLength(1);
  });

  it('does nothing, and audits nothing, when nothing has expired', async () => {
    await imported(nodeId('p'), FUTURE);
    await store.quarantine.add({ subject: 's', payload: new Uint8Array([1]), headers: {}, code: 'X', message: 'y' });
    const result = await store.retention.purgeExpired(new Date(), 30);
    expect(result).toMatchObject({ indicators: 0, bundlesRedacted: 0, quarantineCleared: 0 });
    expect((await store.audit.list({ action: 'retention.purge' })).items).toEqual([]);
  });

  it('works in batches, each its own transaction with its own audit entry', async () => {
    const p = nodeId('p');
    const made = bundleOf(p, me, 1, null, Array.from({ length: 25 }, () => ({ op: 'upsert' as const, indicator: wire(p) })));
    await store.imports.commitImport({ ...acceptAll(made), expiresAt: PAST });
    const result = await store.retention.purgeExpired(new Date(), 30, { batchSize: 10 });
    expect(result).toMatchObject({ indicators: 25, byPublisher: { [p]: 25 }, bundlesRedacted: 1 });
    const purges = (await store.audit.list({ action: 'retention.purge' })).items.reverse();
    expect(purges.map((e) => (e.details as { indicators: number }).indicators)).toEqual([10, 10, 5]);
    expect(purges.map((e) => (e.details as { batch: number }).batch)).toEqual([1, 2, 3]);
    expect(new Set(purges.map((e) => e.subjectId)).size).toBe(1);
    expect((await store.indicators.search({ origin: p, limit: 100 })).items).toEqual([]);
  });

  it('keeps a newer version whose expiry the newer bundle extended', async () => {
    const p = nodeId('p');
    const v1 = wire(p);
    await imported(p, PAST, [v1]);
    const v2 = bundleOf(p, me, 2, null, [{ op: 'upsert', indicator: { ...v1, version: 2 } }]);
    await store.imports.commitImport({ ...acceptAll(v2), expiresAt: FUTURE });
    await store.retention.purgeExpired(new Date(), 30);
    expect((await store.indicators.getWithProvenance(v1.id))?.indicator).toMatchObject({ version: 2, expiresAt: FUTURE });
  });

  it('refuses nonsense arguments', async () => {
    await expect(store.retention.purgeExpired(new Date('x'), 30)).rejects.toMatchObject({ code: 'INVALID_DATE' });
    await expect(store.retention.purgeExpired(new Date(), -1)).rejects.toMatchObject({ code: 'INVALID_RETENTION' });
    await expect(store.retention.purgeExpired(new Date(), 1.5)).rejects.toMatchObject({ code: 'INVALID_RETENTION' });
    await expect(store.retention.purgeExpired(new Date(), 1, { batchSize: 0 })).rejects.toMatchObject({ code: 'INVALID_LIMIT' });
  });
});
