import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, bundleOf, input, nodeId, openTestStore, type TestStore } from '../store.fixtures';
import type { Store } from '../store';
import type { IndicatorInput } from '../store.types';

describe.each(BACKENDS)('own indicators (%s)', (backend) => {
  let t: TestStore;
  let store: Store;
  const me = nodeId('me');
  beforeAll(async () => {
    t = await openTestStore(backend, 'indicators');
    store = t.store;
  });
  afterAll(async () => t?.dispose());

  it('dedupes by natural key: created, then unchanged, then updated with a new version', async () => {
    const first = await store.indicators.upsertOwn(me, [
      input({ value: 'recruiter@example.org' }),
      input({ type: 'username', value: 'jobs4u', platform: 'telegram' }),
      input({ type: 'username', value: 'jobs4u', platform: 'instagram' }),
    ]);
    expect(first.map((r) => [r.status, r.version])).toEqual([
      ['created', 1],
      ['created', 1],
      ['created', 1],
    ]);
    expect(new Set(first.map((r) => r.id)).size).toBe(3);

    const again = await store.indicators.upsertOwn(me, [
      input({ type: 'username', value: 'jobs4u', platform: 'telegram' }),
      input({ value: 'recruiter@example.org', tlp: 'amber' }),
    ]);
    expect(again).toEqual([
      { id: first[1]!.id, version: 1, status: 'unchanged' },
      { id: first[0]!.id, version: 2, status: 'updated' },
    ]);
    const stored = await store.indicators.getWithProvenance(first[0]!.id);
    expect(stored?.indicator).toMatchObject({ tlp: 'amber', version: 2, own: true, origin: me });
    expect(stored).toMatchObject({ bundleHash: null, decision: null });
  });

  it.each<[string, Partial<IndicatorInput>, 'updated' | 'unchanged']>([
    ['an earlier firstSeen', { firstSeen: '2024-06-01T00:00:00.000Z' }, 'updated'],
    ['a later firstSeen (window only widens)', { firstSeen: '2025-06-01T00:00:00.000Z' }, 'unchanged'],
    ['a later lastSeen', { lastSeen: '2026-01-01T00:00:00.000Z' }, 'updated'],
    ['the same dates as another string', { lastSeen: '2025-03-01T00:00:00Z' }, 'unchanged'],
    ['a description', { description: 'seen in job ads' }, 'updated'],
    ['other tags', { tags: ['ht:labour'] }, 'updated'],
    ['a new confidence', { confidence: 99 }, 'updated'],
  ])('resubmitting with %s is %s', async (_name, change, status) => {
    const value = `+3161${Math.floor(Math.random() * 1e7).toString().padStart(7, '0')}`;
    const base = input({ type: 'phone', value, firstSeen: '2025-01-01T00:00:00.000Z', lastSeen: '2025-03-01T00:00:00.000Z' });
    const [created] = await store.indicators.upsertOwn(me, [base]);
    const [result] = await store.indicators.upsertOwn(me, [{ ...base, ...change }]);
    expect(result).toEqual({ id: created!.id, version: status === 'updated' ? 2 : 1, status });
  });

  it('search: past its validUntil an indicator is not active; includeExpired (and includeRevoked) bring it back', async () => {
    const past = new Date(Date.now() - 60_000).toISOString();
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const [expired, valid, open] = await store.indicators.upsertOwn(me, [
      input({ value: 'expired-lifecycle@example.org', validUntil: past }),
      input({ value: 'valid-lifecycle@example.org', validUntil: future }),
      input({ value: 'open-lifecycle@example.org' }),
    ]);
    const ids = async (filter: { includeExpired?: boolean; includeRevoked?: boolean } = {}) =>
      (await store.indicators.search({ tag: 'ht:recruitment', limit: 1000, ...filter })).items.map((i) => i.id);
    expect(await ids()).toEqual(expect.arrayContaining([valid!.id, open!.id]));
    expect(await ids()).not.toContain(expired!.id);
    expect(await ids({ includeExpired: true })).toContain(expired!.id);
    await store.indicators.revokeOwn(open!.id, 'closed');
    expect(await ids()).not.toContain(open!.id);
    expect(await ids({ includeRevoked: true })).toContain(open!.id);
  });

  it('stores nothing of a batch when one item fails (all or nothing)', async () => {
    const [existing] = await store.indicators.upsertOwn(me, [input({ value: 'keep@example.org' })]);
    const tag = `batch:${nodeId()}`;
    const failing = store.indicators.upsertOwn(me, [
      input({ value: 'keep@example.org', confidence: 10, tags: [tag] }),
      input({ value: 'new-1@example.org', tags: [tag] }),
      input({ value: 'new-2@example.org', tags: [tag], confidence: 150 }),
    ]);
    await expect(failing).rejects.toThrow();
    expect((await store.indicators.search({ tag, limit: 10 })).items).toEqual([]);
    expect((await store.indicators.getWithProvenance(existing!.id))?.indicator).toMatchObject({ version: 1, confidence: 60 });
  });

  it('meets one row when two analysts post the same new value at once', async () => {
    const item = input({ value: 'race@example.org' });
    const [a, b] = await Promise.all([store.indicators.upsertOwn(me, [item]), store.indicators.upsertOwn(me, [item])]);
    expect([a![0]!.status, b![0]!.status].sort()).toEqual(['created', 'unchanged']);
    expect(a![0]!.id).toBe(b![0]!.id);
  });

  it('refuses the same natural key twice in one batch', async () => {
    const error = await store.indicators
      .upsertOwn(me, [input({ value: 'twice@example.org' }), input({ value: 'twice@example.org', confidence: 1 })])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DUPLICATE_IN_BATCH' });
    expect((await store.indicators.search({ value: 'twice@example.org', limit: 5 })).items).toEqual([]);
  });

  it('revokes permanently: a new version, once; the value can then be published anew', async () => {
    const [created] = await store.indicators.upsertOwn(me, [input({ value: 'revoke-me@example.org' })]);
    expect(await store.indicators.revokeOwn(created!.id, 'false positive')).toEqual({
      id: created!.id,
      version: 2,
      alreadyRevoked: false,
    });
    expect(await store.indicators.revokeOwn(created!.id, 'again')).toMatchObject({ version: 2, alreadyRevoked: true });
    const revoked = await store.indicators.getWithProvenance(created!.id);
    expect(revoked?.indicator).toMatchObject({ revokeReason: 'false positive', version: 2 });
    expect(revoked?.indicator.revokedAt).not.toBeNull();
    expect((await store.indicators.search({ value: 'revoke-me@example.org', limit: 5 })).items).toEqual([]);

    const [reborn] = await store.indicators.upsertOwn(me, [input({ value: 'revoke-me@example.org' })]);
    expect(reborn).toMatchObject({ status: 'created', version: 1 });
    expect(reborn!.id).not.toBe(created!.id);
    await expect(store.indicators.revokeOwn('00000000-0000-7000-8000-000000000000', 'x')).rejects.toMatchObject({
      code: 'INDICATOR_NOT_FOUND',
    });
  });

  it('keyset pagination returns every row exactly once, newest first', async () => {
    const tag = `page:${nodeId()}`;
    const items = Array.from({ length: 203 }, (_, i) => input({ value: `p${i}@example.org`, tags: [tag] }));
    const created = await store.indicators.upsertOwn(me, items);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.indicators.search({ tag, limit: 10, cursor });
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
      // A row inserted while paging must not shift the pages already read.
      if (pages === 3) await store.indicators.upsertOwn(me, [input({ value: 'late@example.org', tags: [tag] })]);
    } while (cursor);
    expect(pages).toBe(21);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(created.map((c) => c.id).reverse());
  });

  it('filters by type, value, origin and tag', async () => {
    const [phone] = await store.indicators.upsertOwn(me, [input({ type: 'phone', value: '+31612345678', tags: ['ht:payment'] })]);
    const byValue = await store.indicators.search({ type: 'phone', value: '+31612345678', limit: 5 });
    expect(byValue.items.map((i) => i.id)).toEqual([phone!.id]);
    expect(byValue.nextCursor).toBeNull();
    expect((await store.indicators.search({ type: 'email', value: '+31612345678', limit: 5 })).items).toEqual([]);
    expect((await store.indicators.search({ origin: 'someone-else', limit: 5 })).items).toEqual([]);
    const tagged = await store.indicators.search({ tag: 'ht:payment', origin: me, limit: 5 });
    expect(tagged.items.map((i) => i.id)).toContain(phone!.id);
  });

  it.each(['', 'not-base64!', Buffer.from('{"v":1,"k":"1; drop"}').toString('base64url')])(
    'rejects the foreign cursor %j',
    async (cursor) => {
      await expect(store.indicators.search({ limit: 5, cursor })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
    },
  );

  it('queues changed own indicators for export until an outbound bundle carries them', async () => {
    await drainExportQueue(store, me);
    const [a, b] = await store.indicators.upsertOwn(me, [
      input({ value: 'export-a@example.org', description: 'A' }),
      input({ type: 'username', value: 'export-b', platform: 'telegram' }),
    ]);
    const pending = await store.indicators.pendingExport(100);
    expect(pending.map((p) => [p.id, p.version, p.revoked])).toEqual([
      [a!.id, 1, null],
      [b!.id, 1, null],
    ]);
    expect(pending[1]!.indicator).toEqual({
      id: b!.id,
      origin: me,
      version: 1,
      type: 'username',
      value: 'export-b',
      platform: 'telegram',
      tlp: 'green',
      confidence: 60,
      tags: ['ht:recruitment'],
      firstSeen: expect.any(String),
      lastSeen: expect.any(String),
      validUntil: null,
      modifiedAt: expect.any(String),
    });

    const out = bundleOf(me, 'all', await nextSeq(store, me), null, pending.map((p) => ({ op: 'upsert', indicator: p.indicator })));
    const exported = pending.map((p) => ({ id: p.id, version: p.version }));
    expect(await store.bundles.saveOutbound({ ...out, exported })).toBe('saved');
    expect(await store.bundles.saveOutbound({ ...out, exported })).toBe('duplicate');
    expect(await store.indicators.pendingExport(100)).toEqual([]);

    await store.indicators.upsertOwn(me, [input({ value: 'export-a@example.org', description: 'A2' })]);
    await store.indicators.revokeOwn(b!.id, 'account closed');
    const next = await store.indicators.pendingExport(100);
    expect(next.map((p) => [p.id, p.version, p.revoked?.reason ?? null])).toEqual([
      [a!.id, 2, null],
      [b!.id, 2, 'account closed'],
    ]);

    // A late bundle carrying an older version must not mark the newer one exported.
    const stale = bundleOf(me, 'all', await nextSeq(store, me), null, []);
    await store.bundles.saveOutbound({ ...stale, exported: [{ id: a!.id, version: 1 }] });
    expect((await store.indicators.pendingExport(100)).map((p) => p.id)).toEqual([a!.id, b!.id]);
  });
});

async function nextSeq(store: Store, publisher: string): Promise<number> {
  return ((await store.bundles.chainHead(publisher, 'all'))?.seq ?? 0) + 1;
}

async function drainExportQueue(store: Store, me: string): Promise<void> {
  const pending = await store.indicators.pendingExport(1000);
  if (pending.length === 0) return;
  const out = bundleOf(me, 'all', await nextSeq(store, me), null, []);
  await store.bundles.saveOutbound({ ...out, exported: pending.map((p) => ({ id: p.id, version: p.version })) });
  await drainExportQueue(store, me);
}
