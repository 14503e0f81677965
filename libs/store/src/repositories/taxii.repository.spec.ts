import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { BACKENDS, input, nodeId, openTestStore, type TestStore } from '../store.fixtures';
import type { Store } from '../store';
import { query } from '../sql.helper';
import type { CollectionEntry, CollectionPosition } from './taxii.repository';

// The local collection pages by the indicator change sequence, stamped under one advisory lock so
// that sequence order is commit order (the Taxii migration): nothing committed during paging is lost.

describe.each(BACKENDS)('TAXII collection pages (%s)', (backend) => {
  let t: TestStore;
  let store: Store;
  const me = nodeId('me');
  beforeAll(async () => {
    t = await openTestStore(backend, 'taxii');
    store = t.store;
  });
  afterAll(async () => t?.dispose());

  async function drain(limit: number, after: CollectionPosition | null = null, addedAfter?: string) {
    const seen: CollectionEntry[] = [];
    for (;;) {
      const page = await store.taxii.localPage({ after, limit, addedAfter });
      seen.push(...page.entries);
      if (page.entries.length > 0) after = page.entries[page.entries.length - 1]!.position;
      if (!page.more) return { seen, after };
    }
  }

  it('serves every version once, in commit order, with strictly increasing date_added', async () => {
    const created = await store.indicators.upsertOwn(me, [input({ value: 'a@example.org' }), input({ value: 'b@example.org' })]);
    await store.indicators.upsertOwn(me, [input({ value: 'a@example.org', tlp: 'amber' })]);
    const { seen } = await drain(1);
    expect(seen.map((e) => [e.indicator.value, e.indicator.version])).toEqual([
      ['b@example.org', 1],
      ['a@example.org', 2],
    ]);
    const added = seen.map((e) => e.addedAt);
    expect([...added].sort()).toEqual(added);
    expect(new Set(added).size).toBe(added.length);
    expect(added[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    // added_after is exclusive and exact to the microsecond.
    expect((await drain(10, null, added[0])).seen.map((e) => e.indicator.id)).toEqual([created[0]!.id]);

    await store.indicators.revokeOwn(created[1]!.id, 'test');
    const last = (await drain(10)).seen.at(-1)!;
    expect(last).toMatchObject({ indicator: { id: created[1]!.id, version: 2 }, revoked: { reason: 'test' } });
  });

  it('does not move a row when only the exporter bookkeeping changes', async () => {
    const before = (await drain(100)).seen.map((e) => e.position);
    const em = store.orm.em.fork() as unknown as EntityManager;
    await query(em, 'update indicator set exported_version = version where own');
    expect((await drain(100)).seen.map((e) => e.position)).toEqual(before);
  });

  it('loses nothing committed while a client pages, with writers racing each other', async () => {
    const start = (await drain(1000)).after;
    const writers = Array.from({ length: 6 }, (_, w) =>
      (async () => {
        for (let i = 0; i < 8; i++) await store.indicators.upsertOwn(me, [input({ value: `w${w}-${i}@example.org` }), input({ value: `w${w}-${i}b@example.org` })]);
      })(),
    );
    let after = start;
    const seen: string[] = [];
    let done = false;
    const all = Promise.all(writers).then(() => (done = true));
    while (!done) {
      const page = await store.taxii.localPage({ after, limit: 3 });
      seen.push(...page.entries.map((e) => e.indicator.value));
      if (page.entries.length > 0) after = page.entries[page.entries.length - 1]!.position;
    }
    await all;
    seen.push(...(await drain(3, after)).seen.map((e) => e.indicator.value));
    expect(seen).toHaveLength(96);
    expect(new Set(seen).size).toBe(96);
  });

  it('counts pseudonym-only rows and never serves them', async () => {
    const em = store.orm.em.fork() as unknown as EntityManager;
    await query(em, `insert into indicator (origin_node, origin_id, own, type, pseudonym, tlp, confidence, first_seen, last_seen, version, modified_at)
      values ('xx-other', '01900000-0000-7000-8000-00000000000a', false, 'email', 'hmac:abc', 'green', 50, now(), now(), 1, now())`);
    expect(await store.taxii.pseudonymOnlyCount()).toBe(1);
    expect((await drain(1000)).seen.some((e) => e.indicator.origin === 'xx-other')).toBe(false);
  });

  it('looks objects up by STIX id, catching the id map up with rows written since', async () => {
    const idOf = (origin: string, id: string) => `indicator--${origin}/${id}`;
    const [one] = await store.indicators.upsertOwn(me, [input({ value: 'lookup-1@example.org' })]);
    const first = await store.taxii.localByStixIds([idOf(me, one!.id), 'indicator--unknown'], idOf, { after: null, limit: 10 });
    expect(first.entries.map((e) => e.indicator.value)).toEqual(['lookup-1@example.org']);
    const [two] = await store.indicators.upsertOwn(me, [input({ value: 'lookup-2@example.org' })]);
    const both = await store.taxii.localByStixIds([idOf(me, two!.id), idOf(me, one!.id)], idOf, { after: null, limit: 1 });
    expect(both).toMatchObject({ more: true, entries: [{ indicator: { id: one!.id } }] });
    const rest = await store.taxii.localByStixIds([idOf(me, two!.id), idOf(me, one!.id)], idOf, { after: both.entries[0]!.position, limit: 1 });
    expect(rest).toMatchObject({ more: false, entries: [{ indicator: { id: two!.id } }] });
    expect(await store.taxii.localByStixIds(['indicator--unknown'], idOf, { after: null, limit: 10 })).toEqual({ entries: [], more: false });
  });

  it('serves an empty chain as an empty page', async () => {
    expect(await store.taxii.audiencePage(me, 'all', { after: null, limit: 10 })).toEqual({ entries: [], more: false });
  });
});
