import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase, tempDir } from '@palermo/testing';
import { acceptAll, BACKENDS, bundleOf, input, nodeId, openTestStore, wire, type TestStore } from '../store.fixtures';
import { openStore } from '../store.open';
import type { Store } from '../store';
import { query } from '../sql.helper';

const HEX = '0123456789abcdef';
const randomHash = (algorithm: 'pdq' | 'phash') => `${algorithm}:${randomBytes(algorithm === 'pdq' ? 32 : 8).toString('hex')}`;

/** `value` with its first `distance` bits flipped, spread over every chunk (bit 17·i mod width). */
function at(value: string, distance: number): string {
  const [algorithm, hex] = value.split(':');
  const nibbles = [...hex].map((c) => parseInt(c, 16));
  for (let i = 0; i < distance; i++) {
    const bit = (i * 17) % (hex.length * 4);
    nibbles[bit >> 2] ^= 8 >> (bit & 3);
  }
  return `${algorithm}:${nibbles.map((n) => HEX[n]).join('')}`;
}

describe.each(BACKENDS)('near matches of image hashes (%s)', (backend) => {
  let t: TestStore;
  let store: Store;
  const me = nodeId('me');
  beforeAll(async () => {
    t = await openTestStore(backend, 'near_match');
    store = t.store;
  });
  afterAll(async () => t?.dispose());

  const own = async (value: string) => (await store.indicators.upsertOwn(me, [input({ type: 'image-hash', value })]))[0]!.id;
  const distances = async (value: string, threshold?: number) =>
    (await store.nearMatches.nearest(value, threshold)).matches.map((m) => m.distance);

  it('finds PDQ hashes at every distance up to 31 bits and none from 32 on', async () => {
    const base = randomHash('pdq');
    const ids = [];
    for (let d = 0; d <= 40; d++) ids.push(await own(at(base, d)));
    const result = await store.nearMatches.nearest(base);
    expect(result).toMatchObject({ algorithm: 'pdq', threshold: 31 });
    expect(result.matches.map((m) => m.distance)).toEqual(Array.from({ length: 32 }, (_, d) => d));
    expect(result.matches[0]).toEqual({ id: ids[0], origin: me, own: true, value: base, tlp: 'green', distance: 0 });
    expect(result.matches.map((m) => m.id)).toEqual(ids.slice(0, 32));
    // Configurable threshold and limit; a threshold of 0 is an exact match.
    expect(await distances(base, 40 - 3)).toEqual(Array.from({ length: 38 }, (_, d) => d));
    expect(await distances(base, 0)).toEqual([0]);
    expect((await store.nearMatches.nearest(base, 31, 5)).matches.map((m) => m.distance)).toEqual([0, 1, 2, 3, 4]);
    // Queried from the far end: the same rule, from another point.
    expect(await distances(at(base, 40), 8)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('finds pHash hashes within 10 bits by default, and never compares across algorithms', async () => {
    const base = randomHash('phash');
    for (let d = 0; d <= 14; d++) await own(at(base, d));
    // A PDQ hash whose first 16 hex digits are the pHash's: same chunk values, other algorithm.
    await own(`pdq:${base.slice(6)}${'0'.repeat(48)}`);
    expect(await distances(base)).toEqual(Array.from({ length: 11 }, (_, d) => d));
    expect(await distances(base, 15)).toEqual(Array.from({ length: 15 }, (_, d) => d));
  });

  it('forgets revoked, superseded and deleted indicators, and indexes imported ones', async () => {
    const base = randomHash('pdq');
    const revoked = await own(at(base, 3));
    await own(at(base, 5));
    await store.indicators.revokeOwn(revoked, 'false positive');
    expect(await distances(base)).toEqual([5]);

    const partner = nodeId('p');
    const first = wire(partner, { type: 'image-hash', value: at(base, 7) });
    const gone = wire(partner, { type: 'image-hash', value: at(base, 9) });
    const b1 = bundleOf(partner, me, 1, null, [{ op: 'upsert', indicator: first }, { op: 'upsert', indicator: gone }]);
    await store.imports.commitImport(acceptAll(b1));
    expect((await store.nearMatches.nearest(base)).matches.map((m) => [m.distance, m.origin, m.own])).toEqual([
      [5, me, true],
      [7, partner, false],
      [9, partner, false],
    ]);
    // A newer version with another value moves it; a revocation by the origin removes it.
    const moved = { ...first, version: 2, value: at(base, 40) };
    const b2 = bundleOf(partner, me, 2, b1.hash, [{ op: 'upsert', indicator: moved }, { op: 'revoke', id: gone.id, reason: 'wrong image' }]);
    await store.imports.commitImport(acceptAll(b2));
    expect(await distances(base)).toEqual([5]);
    expect((await store.nearMatches.nearest(at(base, 40), 0)).matches).toMatchObject([{ id: first.id, distance: 0 }]);

    // A row deleted (the retention purge, a rejected newer version) leaves nothing behind.
    const em = store.orm.em.fork() as unknown as EntityManager;
    await query(em, `delete from indicator where origin_id = ?`, [first.id]);
    expect((await store.nearMatches.nearest(at(base, 40), 0)).matches).toEqual([]);
    const [{ n }] = await query<{ n: number }>(
      em,
      `select count(*)::integer as n from image_hash_chunk c where not exists (
         select 1 from indicator i where i.pk = c.indicator_pk and i.revoked_at is null)`,
    );
    expect(Number(n)).toBe(0);
  });

  it('leaves out indicators past their validUntil and updates that do not touch the value', async () => {
    const base = randomHash('phash');
    await store.indicators.upsertOwn(me, [input({ type: 'image-hash', value: at(base, 1), validUntil: '2020-01-01T00:00:00.000Z' })]);
    const id = await own(at(base, 2));
    await store.indicators.upsertOwn(me, [input({ type: 'image-hash', value: at(base, 2), tlp: 'amber', confidence: 90 })]);
    expect((await store.nearMatches.nearest(base)).matches).toMatchObject([{ id, distance: 2, tlp: 'amber' }]);
  });

  it.each([
    ['not hex', 'pdq:' + 'g'.repeat(64), undefined, 'IMAGE_HASH_INVALID'],
    ['SQL in the value', "pdq:' or 1=1 --", undefined, 'IMAGE_HASH_INVALID'],
    ['wrong length', 'pdq:' + 'a'.repeat(16), undefined, 'IMAGE_HASH_INVALID'],
    ['not normalized', 'PDQ:' + 'A'.repeat(64), undefined, 'IMAGE_HASH_INVALID'],
    ['unknown algorithm', 'md5:' + 'a'.repeat(32), undefined, 'IMAGE_HASH_INVALID'],
    ['threshold above the PDQ maximum', 'pdq:' + 'a'.repeat(64), 48, 'NEAR_MATCH_THRESHOLD_INVALID'],
    ['threshold above the pHash maximum', 'phash:' + 'a'.repeat(16), 16, 'NEAR_MATCH_THRESHOLD_INVALID'],
    ['negative threshold', 'pdq:' + 'a'.repeat(64), -1, 'NEAR_MATCH_THRESHOLD_INVALID'],
    ['fractional threshold', 'pdq:' + 'a'.repeat(64), 2.5, 'NEAR_MATCH_THRESHOLD_INVALID'],
  ])('refuses %s', async (_, value, threshold, code) => {
    await expect(store.nearMatches.nearest(value, threshold)).rejects.toMatchObject({ code });
  });

  it('refuses a limit out of range', async () => {
    for (const limit of [0, 1001, 1.5]) {
      await expect(store.nearMatches.nearest(randomHash('pdq'), 31, limit)).rejects.toMatchObject({ code: 'INVALID_LIMIT' });
    }
  });

  it('backfills the image hashes stored before the migration', async () => {
    const dir = backend === 'pglite' ? tempDir('near-match-upgrade') : undefined;
    const db = backend === 'postgresql' ? await createTestDatabase('near_match_upgrade') : undefined;
    const options = dir ? { pgliteDir: join(dir, 'pglite') } : { databaseUrl: db!.url };
    const base = randomHash('pdq');
    try {
      const first = await openStore(options);
      await first.orm.getMigrator().down({ to: 'Migration20261206000500ImageHashIndex' });
      const em = first.orm.em.fork() as unknown as EntityManager;
      const row = (id: string, value: string, revoked: boolean) =>
        query(em, `insert into indicator (origin_node, origin_id, own, type, value, tlp, confidence, first_seen, last_seen,
            version, modified_at, revoked_at) values ('be-police', ?, false, 'image-hash', ?, 'green', 50, now(), now(), 1, now(),
            ${revoked ? 'now()' : 'null'})`, [id, value]);
      await row('old-near', at(base, 4), false);
      await row('old-revoked', at(base, 2), true);
      await row('old-garbage', 'pdq:not-a-hash', false);
      await row('old-not-hex', `pdq:${'z'.repeat(64)}`, false);
      await first.close();
      const upgraded = await openStore(options);
      try {
        expect((await upgraded.nearMatches.nearest(base)).matches.map((m) => [m.id, m.distance])).toEqual([['old-near', 4]]);
        expect(await upgraded.nearMatches.indexedCounts()).toEqual({ pdq: 1, phash: 0 });
      } finally {
        await upgraded.close();
      }
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
      await db?.drop();
    }
  });
});
