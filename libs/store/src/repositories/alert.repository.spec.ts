import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { acceptAll, BACKENDS, OFFICER_A, bundleOf, input, nodeId, openTestStore, wire, type TestStore } from '../store.fixtures';
import type { Store } from '../store';
import { query } from '../sql.helper';
import type { AlertMatch, CorrelationPage } from './alert.repository';

// The correlator (apps/node) keys pseudonyms with the node's HMAC secret; a plain hash stands in here.
const pseudonymOf = (type: string, value: string) => `hmac-sha256:${createHash('sha256').update(`${type}\0${value}`).digest('hex')}`;
const phone = () => `+3161${randomBytes(3).readUIntBE(0, 3).toString().padStart(7, '0')}`;
const pdq = () => `pdq:${randomBytes(32).toString('hex')}`;
/** `value` with `distance` of its bits flipped (bit 17·i, spread over the chunks). */
function flip(value: string, distance: number): string {
  const hex = value.slice(4);
  const nibbles = [...hex].map((c) => parseInt(c, 16));
  for (let i = 0; i < distance; i++) {
    const bit = (i * 17) % 256;
    nibbles[bit >> 2] ^= 8 >> (bit & 3);
  }
  return `pdq:${nibbles.map((n) => n.toString(16)).join('')}`;
}

/** What the correlator does, with the stand-in pseudonym and PDQ threshold 31: every page up to the end. */
async function correlate(store: Store): Promise<string[]> {
  const created: string[] = [];
  let cursor = await store.alerts.cursor();
  for (;;) {
    const changes = await store.alerts.changesAfter(cursor, 3);
    if (changes.length === 0) return created;
    const page: CorrelationPage = { upTo: changes[changes.length - 1]!.changeSeq, indicatorPks: changes.map((c) => c.pk), keys: [], matches: [] };
    for (const c of changes) {
      const p = c.value !== null ? pseudonymOf(c.type, c.value) : c.pseudonym!;
      page.keys.push({ indicatorPk: c.pk, type: c.type, pseudonym: p });
      page.matches.push({ kind: 'pseudonym', type: c.type, pseudonym: p });
      if (c.value === null) continue;
      page.matches.push({ kind: 'exact', type: c.type, value: c.value, qualifier: '' });
      if (c.type === 'image-hash' && c.active) {
        const near = await store.nearMatches.nearest(c.value, 31);
        for (const m of near.matches) if (m.origin !== c.origin && m.distance > 0) page.matches.push({ kind: 'near', a: c.value, b: m.value, distance: m.distance } satisfies AlertMatch);
      }
    }
    created.push(...(await store.alerts.applyPage(page)));
    cursor = page.upTo;
  }
}

describe.each(BACKENDS)('correlation alerts (%s)', (backend) => {
  let t: TestStore;
  let store: Store;
  const me = nodeId('me');
  beforeAll(async () => {
    t = await openTestStore(backend, 'alerts');
    store = t.store;
  });
  afterAll(async () => t?.dispose());

  const importFrom = async (partner: string, seq: number, prev: string | null, entries: Parameters<typeof bundleOf>[4], overrides = {}) => {
    const made = bundleOf(partner, me, seq, prev, entries);
    await store.imports.commitImport(acceptAll(made, overrides));
    return made;
  };

  it('records the sources that agree on a natural key, once, and follows a revocation', async () => {
    const value = phone();
    const p = nodeId('p');
    await store.indicators.upsertOwn(me, [input({ type: 'phone', value })]);
    expect(await correlate(store)).toEqual([]); // one origin: nothing agrees yet
    const theirs = wire(p, { type: 'phone', value, tlp: 'amber' });
    const b1 = await importFrom(p, 1, null, [{ op: 'upsert', indicator: theirs }]);
    const created = await correlate(store);
    expect(created).toHaveLength(1);
    const alert = await store.alerts.get(created[0]!);
    expect(alert).toMatchObject({ kind: 'exact', type: 'phone', value, pseudonym: null, state: 'open', sourceCount: 2, nodeCount: 2 });
    expect(alert.sources.map((s) => [s.origin, s.via, s.version, s.tlp, s.active]).sort()).toEqual(
      [[me, me, 1, 'green', true], [p, p, 1, 'amber', true]].sort(),
    );
    const audited = await store.audit.forSubject('alert', alert.id);
    expect(audited.map((e) => e.action)).toEqual(['alert.created']);

    // A page applied twice (a crash before the cursor moved) changes nothing.
    const changes = await store.alerts.changesAfter('0', 10_000);
    const again = changes.filter((c) => c.value === value);
    await store.alerts.applyPage({ upTo: '0', indicatorPks: again.map((c) => c.pk), keys: [], matches: [{ kind: 'exact', type: 'phone', value, qualifier: '' }] });
    expect(await store.alerts.get(alert.id)).toMatchObject({ sourceCount: 2, nodeCount: 2, sources: alert.sources, updatedAt: alert.updatedAt });
    expect(await store.audit.forSubject('alert', alert.id)).toHaveLength(1);

    // A third origin grows the alert; a revocation by one origin leaves it counted as inactive.
    const q = nodeId('q');
    await importFrom(q, 1, null, [{ op: 'upsert', indicator: wire(q, { type: 'phone', value }) }]);
    expect(await correlate(store)).toEqual([]);
    const grown = await store.alerts.get(alert.id);
    expect(grown).toMatchObject({ sourceCount: 3, nodeCount: 3 });
    expect(grown.updatedAt > alert.updatedAt).toBe(true);
    await importFrom(p, 2, b1.hash, [{ op: 'revoke', id: theirs.id, reason: 'false positive' }]);
    await correlate(store);
    const after = await store.alerts.get(alert.id);
    expect(after).toMatchObject({ sourceCount: 2, nodeCount: 2 });
    expect(after.sources.find((s) => s.origin === p)).toMatchObject({ active: false, indicatorId: theirs.id });
  });

  it('meets a pseudonymized import on the pseudonym of a local value, without the value', async () => {
    const value = phone();
    const p = nodeId('p');
    await store.indicators.upsertOwn(me, [input({ type: 'phone', value })]);
    await importFrom(p, 1, null, [{ op: 'upsert', indicator: wire(p, { type: 'phone', value }) }], {
      action: 'accept-pseudonymized',
      pseudonym: pseudonymOf('phone', value),
    });
    const [id] = await correlate(store);
    const alert = await store.alerts.get(id!);
    expect(alert).toMatchObject({ kind: 'pseudonym', value: null, nearValue: null, pseudonym: pseudonymOf('phone', value), sourceCount: 2 });
    expect(JSON.stringify(alert)).not.toContain(value);
    expect(alert.sources.find((s) => s.origin === p)).toMatchObject({ pseudonymOnly: true });
    // Both hold the value: an exact alert, and no pseudonym alert.
    const v2 = phone();
    await store.indicators.upsertOwn(me, [input({ type: 'phone', value: v2 })]);
    const q = nodeId('q');
    await importFrom(q, 1, null, [{ op: 'upsert', indicator: wire(q, { type: 'phone', value: v2 }) }]);
    const created = await Promise.all((await correlate(store)).map((c) => store.alerts.get(c)));
    expect(created.map((a) => a.kind)).toEqual(['exact']);
  });

  it('makes a near alert with the distance for PDQ hashes of two origins within 31 bits, none at 32', async () => {
    const base = pdq();
    const p = nodeId('p');
    await store.indicators.upsertOwn(me, [input({ type: 'image-hash', value: base })]);
    await importFrom(p, 1, null, [
      { op: 'upsert', indicator: wire(p, { type: 'image-hash', value: flip(base, 31) }) },
      { op: 'upsert', indicator: wire(p, { type: 'image-hash', value: flip(base, 32) }) },
    ]);
    const created = await Promise.all((await correlate(store)).map((c) => store.alerts.get(c)));
    const near = created.filter((a) => a.kind === 'near' && [a.value, a.nearValue].includes(base));
    expect(near).toHaveLength(1);
    expect(near[0]).toMatchObject({ type: 'image-hash', distance: 31, sourceCount: 2, nodeCount: 2 });
    expect([near[0]!.value, near[0]!.nearValue].sort()).toEqual([base, flip(base, 31)].sort());
  });

  it('finds expired and purged sources on a sweep', async () => {
    const value = phone();
    const p = nodeId('p');
    await store.indicators.upsertOwn(me, [input({ type: 'phone', value })]);
    const theirs = wire(p, { type: 'phone', value });
    await importFrom(p, 1, null, [{ op: 'upsert', indicator: theirs }]);
    const [id] = await correlate(store);
    const em = store.orm.em.fork() as unknown as EntityManager;
    // Expiry moves no change_seq in real life; set it behind the correlator's back.
    await query(em, `update indicator set valid_until = now() - interval '1 second' where origin_id = ?`, [theirs.id]);
    await query(em, `update alert_cursor set change_seq = (select max(change_seq) from indicator)`);
    expect(await store.alerts.sweep()).toBeGreaterThanOrEqual(1);
    expect(await store.alerts.get(id!)).toMatchObject({ sourceCount: 1, nodeCount: 1 });
    expect(await store.alerts.sweep()).toBe(0);
  });

  it('lists with filters and keyset paging', async () => {
    const p = nodeId('p');
    const values = [phone(), phone(), phone()];
    await store.indicators.upsertOwn(me, values.map((value) => input({ type: 'phone', value })));
    await importFrom(p, 1, null, values.map((value) => ({ op: 'upsert' as const, indicator: wire(p, { type: 'phone', value }) })));
    await correlate(store);
    const first = await store.alerts.list({ node: p, limit: 2 });
    expect(first.items).toHaveLength(2);
    const second = await store.alerts.list({ node: p, limit: 2, cursor: first.nextCursor! });
    expect(second).toMatchObject({ nextCursor: null });
    expect(new Set([...first.items, ...second.items].map((a) => a.value))).toEqual(new Set(values));
    expect((await store.alerts.list({ node: p, kind: 'near' })).items).toEqual([]);
    expect((await store.alerts.list({ node: p, minSources: 3 })).items).toEqual([]);
    expect((await store.alerts.list({ node: p, type: 'phone', state: 'open', since: '2020-01-01T00:00:00Z' })).items).toHaveLength(3);
    await expect(store.alerts.list({ cursor: 'nope' })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
    await expect(store.alerts.list({ limit: 0 })).rejects.toMatchObject({ code: 'INVALID_LIMIT' });
    await expect(store.alerts.list({ kind: 'fuzzy' as never })).rejects.toMatchObject({ code: 'ALERT_FILTER_INVALID' });
    const ack = await store.alerts.acknowledge(first.items[0]!.id, OFFICER_A);
    expect(ack).toMatchObject({ state: 'acknowledged' });
    await store.alerts.acknowledge(first.items[0]!.id, OFFICER_A);
    expect((await store.audit.forSubject('alert', ack.id)).map((e) => e.action)).toEqual(['alert.created', 'alert.acknowledged']);
    expect((await store.alerts.list({ node: p, state: 'acknowledged' })).items.map((a) => a.id)).toEqual([ack.id]);
    await expect(store.alerts.acknowledge('0190a000-0000-7000-8000-00000000000a', OFFICER_A)).rejects.toMatchObject({ code: 'ALERT_NOT_FOUND' });
    await expect(store.alerts.get('not-a-uuid')).rejects.toMatchObject({ code: 'ALERT_NOT_FOUND' });
    await expect(store.alerts.get('0190a000-0000-7000-8000-00000000000a')).rejects.toMatchObject({ code: 'ALERT_NOT_FOUND' });
  });
});
