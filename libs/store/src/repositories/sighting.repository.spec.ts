import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { acceptAll, BACKENDS, bundleOf, input, nodeId, openTestStore, wire, type TestStore } from '../store.fixtures';
import type { Store } from '../store';
import type { NewSighting } from './sighting.repository';

const ANALYST = { tokenId: '0190a000-0000-7000-8000-0000000000aa', name: 'analyst-a' };
const PAST = '2020-01-01T00:00:00.000Z';

describe.each(BACKENDS)('sightings (%s)', (backend) => {
  let t: TestStore;
  let store: Store;
  const me = nodeId('me');
  beforeAll(async () => {
    t = await openTestStore(backend, 'sightings');
    store = t.store;
  });
  afterAll(async () => t?.dispose());

  const sighting = (indicatorId: string, overrides: Partial<NewSighting> = {}): NewSighting => ({
    indicatorId,
    sightedBy: me,
    count: 1,
    firstSeen: '2026-01-01T10:00:00.000Z',
    lastSeen: '2026-01-02T10:00:00.000Z',
    actor: ANALYST,
    ...overrides,
  });
  async function own(value = `${nodeId('s')}@example.org`) {
    const [created] = await store.indicators.upsertOwn(me, [input({ value })]);
    return created!.id;
  }
  async function imported(expiresAt: string | null = null) {
    const p = nodeId('p');
    const indicator = wire(p);
    await store.imports.commitImport({ ...acceptAll(bundleOf(p, me, 1, null, [{ op: 'upsert', indicator }])), expiresAt });
    return indicator;
  }

  it('records sightings of own and imported indicators, each POST its own sighting', async () => {
    const id = await own();
    const first = await store.sightings.record(sighting(id, { count: 3, note: 'seen in two new ads' }));
    expect(first).toMatchObject({
      indicatorId: id,
      indicatorOrigin: me,
      indicatorOriginId: id,
      indicatorTlp: 'green',
      sightedBy: me,
      count: 3,
      firstSeen: '2026-01-01T10:00:00.000Z',
      lastSeen: '2026-01-02T10:00:00.000Z',
      note: 'seen in two new ads',
      createdBy: ANALYST,
    });
    const second = await store.sightings.record(sighting(id, { count: 3, note: 'seen in two new ads' }));
    expect(second.id).not.toBe(first.id);
    const page = await store.sightings.forIndicator(id);
    expect(page.items.map((s) => s.id)).toEqual([second.id, first.id]); // newest first
    expect(page.items[1]).toEqual(first); // what record returned is what is read back

    const partner = await imported();
    const theirs = await store.sightings.record(sighting(partner.id, { actor: null }));
    expect(theirs).toMatchObject({ indicatorOrigin: partner.origin, indicatorOriginId: partner.id, createdBy: null, note: null });
  });

  it('refuses unknown and revoked indicators and bad input, storing nothing', async () => {
    await expect(store.sightings.record(sighting(uuidv7()))).rejects.toMatchObject({ code: 'INDICATOR_NOT_FOUND' });
    await expect(store.sightings.record(sighting("x' or 1=1 --"))).rejects.toMatchObject({ code: 'INDICATOR_NOT_FOUND' });
    const id = await own();
    await store.indicators.revokeOwn(id, 'false positive');
    await expect(store.sightings.record(sighting(id))).rejects.toMatchObject({ code: 'INDICATOR_REVOKED' });
    const live = await own();
    for (const bad of [
      { count: 0 },
      { count: 1.5 },
      { count: 1_000_001 },
      { firstSeen: '2026-02-01T00:00:00.000Z', lastSeen: '2026-01-01T00:00:00.000Z' },
      { lastSeen: 'yesterday' },
      { sightedBy: 'all' },
      { note: 'x'.repeat(4097) },
      { actor: { tokenId: 'not-a-uuid', name: 'x' } },
    ]) {
      await expect(store.sightings.record(sighting(live, bad as Partial<NewSighting>))).rejects.toMatchObject({
        code: expect.stringMatching(/^(SIGHTING_INVALID|INVALID_ACTOR)$/),
      });
    }
    expect((await store.sightings.forIndicator(live)).items).toEqual([]);
    await expect(store.sightings.forIndicator(uuidv7())).rejects.toMatchObject({ code: 'INDICATOR_NOT_FOUND' });
  });

  it('stores hostile notes as text (NUL and lone surrogates made storable)', async () => {
    const id = await own();
    const saved = await store.sightings.record(sighting(id, { note: "a\u0000b \ud800 '; drop table sighting; --" }));
    expect(saved.note).toBe("a\ufffdb \ufffd '; drop table sighting; --");
  });

  it('pages every sighting exactly once in recording order, after `since`', async () => {
    const id = await own();
    const base = Date.parse('2031-01-01T00:00:00.000Z');
    const made = [];
    for (let i = 0; i < 7; i++) {
      // Two sightings ask for each instant: recording order still decides (createdAt strictly increases).
      made.push(await store.sightings.record(sighting(id, { at: new Date(base + Math.floor(i / 2) * 1000) })));
    }
    const times = made.map((s) => Date.parse(s.createdAt));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]!);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.sightings.pageSince({ since: '2030-12-31T23:59:59.999Z', cursor, limit: 3 });
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(made.map((s) => s.id));
    const later = await store.sightings.pageSince({ since: made[1]!.createdAt, limit: 100 });
    expect(later.items.map((s) => s.createdAt)).not.toContain(made[1]!.createdAt);
    expect(later.items).toHaveLength(5);
  });

  it('paging while sightings are recorded concurrently returns each exactly once', async () => {
    const id = await own();
    const since = (await store.sightings.record(sighting(id, { at: new Date('2040-01-01T00:00:00.000Z') }))).createdAt;
    const writers = Array.from({ length: 4 }, async () => {
      const ids: string[] = [];
      for (let i = 0; i < 15; i++) ids.push((await store.sightings.record(sighting(id))).id);
      return ids;
    });
    const seen: string[] = [];
    let after = since;
    let done = false;
    const all = Promise.all(writers).then((lists) => {
      done = true;
      return lists.flat();
    });
    // Keep paging until the writers are done and a last pass finds nothing new.
    for (let quiet = false; !quiet; ) {
      // createdAt is unique and increasing, so the last one seen is where the next poll resumes.
      const page = await store.sightings.pageSince({ since: after, limit: 4 });
      seen.push(...page.items.map((s) => s.id));
      after = page.items[page.items.length - 1]?.createdAt ?? after;
      quiet = done && page.items.length === 0;
    }
    const written = await all;
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...written].sort());
  });

  it('pages one indicator newest first', async () => {
    const id = await own();
    for (let i = 0; i < 5; i++) await store.sightings.record(sighting(id, { count: i + 1 }));
    const first = await store.sightings.forIndicator(id, { limit: 2 });
    const second = await store.sightings.forIndicator(id, { limit: 2, cursor: first.nextCursor! });
    const third = await store.sightings.forIndicator(id, { limit: 2, cursor: second.nextCursor! });
    expect([...first.items, ...second.items, ...third.items].map((s) => s.count)).toEqual([5, 4, 3, 2, 1]);
    expect(third.nextCursor).toBeNull();
  });

  it.each(['garbage', Buffer.from('{"v":1,"t":"x","i":"y"}').toString('base64url'), Buffer.from('{"v":2}').toString('base64url')])(
    'refuses a cursor it did not issue (%s)',
    async (cursor) => {
      await expect(store.sightings.pageSince({ cursor, limit: 10 })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
    },
  );

  it('goes with its indicator when retention purges it', async () => {
    const partner = await imported(PAST);
    const saved = await store.sightings.record(sighting(partner.id));
    await store.retention.purgeExpired(new Date(), 30);
    await expect(store.sightings.forIndicator(partner.id)).rejects.toMatchObject({ code: 'INDICATOR_NOT_FOUND' });
    const all = await store.sightings.pageSince({ limit: 10_000 });
    expect(all.items.map((s) => s.id)).not.toContain(saved.id);
  });

  it('sightings racing a revocation either land before it or are refused as revoked', async () => {
    const id = await own();
    const results = await Promise.allSettled([
      store.sightings.record(sighting(id)),
      store.indicators.revokeOwn(id, 'wrong number'),
      store.sightings.record(sighting(id)),
      store.sightings.record(sighting(id)),
    ]);
    expect(results[1]?.status).toBe('fulfilled');
    const rejected = results.filter((r) => r.status === 'rejected');
    for (const r of rejected) expect(r.reason).toMatchObject({ code: 'INDICATOR_REVOKED' });
    expect((await store.sightings.forIndicator(id)).items).toHaveLength(3 - rejected.length);
    await expect(store.sightings.record(sighting(id))).rejects.toMatchObject({ code: 'INDICATOR_REVOKED' });
  });
});
