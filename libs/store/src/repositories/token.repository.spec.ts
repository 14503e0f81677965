import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { BACKENDS, openTestStore, type TestStore } from '../store.fixtures';
import { query } from '../sql.helper';
import type { Store } from '../store';

describe.each(BACKENDS)('tokens, keys and partners (%s)', (backend) => {
  let t: TestStore;
  let store: Store;
  beforeAll(async () => {
    t = await openTestStore(backend, 'registry');
    store = t.store;
  });
  afterAll(async () => t?.dispose());

  it('verifies a created token until it is revoked, storing only its SHA-256', async () => {
    const { token, id } = await store.tokens.create({ role: 'analyst', name: 'alice' });
    expect(token).toMatch(/^plm_[A-Za-z0-9_-]{43}$/);
    expect(await store.tokens.verify(token)).toEqual({ id, role: 'analyst', name: 'alice', partner: null });

    const em = store.orm.em.fork() as unknown as EntityManager;
    const rows = await query<Record<string, unknown>>(em, 'select * from api_token where id = ?', [id]);
    expect(JSON.stringify(rows)).not.toContain(token.slice(4));

    expect(await store.tokens.revoke(id)).toBe(true);
    expect(await store.tokens.revoke(id)).toBe(false);
    expect(await store.tokens.verify(token)).toBeNull();
    expect((await store.tokens.list()).find((r) => r.id === id)?.revokedAt).not.toBeNull();
  });

  it('scopes a partner token to exactly one partner node, and no other role to any', async () => {
    const { token, id } = await store.tokens.create({ role: 'partner', name: 'de-bka reader', partner: 'de-bka' });
    expect(await store.tokens.verify(token)).toEqual({ id, role: 'partner', name: 'de-bka reader', partner: 'de-bka' });
    expect((await store.tokens.list()).find((r) => r.id === id)).toMatchObject({ role: 'partner', partner: 'de-bka' });
    for (const bad of [
      { role: 'partner', name: 'x' },
      { role: 'partner', name: 'x', partner: 'DE_BKA' },
      { role: 'partner', name: 'x', partner: "de'; drop table api_token; --" },
      // Reserved: they name the `local` and community collections, which a partner must never read.
      { role: 'partner', name: 'x', partner: 'local' },
      { role: 'partner', name: 'x', partner: 'all' },
      { role: 'analyst', name: 'x', partner: 'de-bka' },
    ]) {
      await expect(store.tokens.create(bad)).rejects.toMatchObject({ code: 'TOKEN_PARTNER_SCOPE' });
    }
    // The database holds the same rule, for rows written around the repository.
    const em = store.orm.em.fork() as unknown as EntityManager;
    const insert = (id: string, role: string, partner: string) =>
      query(em, `insert into api_token (id, name, role, token_sha256, partner) values (?, 'x', ?, ?, ?)`, [id, role, `${id.slice(-1)}`.repeat(64), partner]);
    await expect(insert('01900000-0000-7000-8000-0000000000ff', 'analyst', 'de-bka')).rejects.toThrow(/api_token_partner_scope/);
    await expect(insert('01900000-0000-7000-8000-0000000000fe', 'partner', 'local')).rejects.toThrow(/api_token_partner_scope/);
    await expect(insert('01900000-0000-7000-8000-0000000000fd', 'partner', 'all')).rejects.toThrow(/api_token_partner_scope/);
  });

  it.each([
    ['an empty string', ''],
    ['a token without prefix', 'A'.repeat(43)],
    ['a near miss', `plm_${'A'.repeat(43)}`],
    ['a huge header', `plm_${'A'.repeat(100_000)}`],
    ['SQL', "plm_' or '1'='1"],
  ])('refuses %s', async (_name, candidate) => {
    expect(await store.tokens.verify(candidate)).toBeNull();
  });

  it('revoking an unknown or malformed id is a no-op', async () => {
    expect(await store.tokens.revoke('0197a000-0000-7000-8000-000000000000')).toBe(false);
    expect(await store.tokens.revoke('nope')).toBe(false);
  });

  it('keeps one active signing key', async () => {
    expect(await store.keys.getActiveKey()).toBeNull();
    await store.keys.saveKey({ nodeId: 'nl-police', fingerprint: 'a'.repeat(40), armoredPublicKey: 'KEY-A' });
    await store.keys.saveKey({ nodeId: 'nl-police', fingerprint: 'b'.repeat(40), armoredPublicKey: 'KEY-B' });
    expect(await store.keys.getActiveKey()).toMatchObject({ fingerprint: 'b'.repeat(40), armoredPublicKey: 'KEY-B' });
    await store.keys.saveKey({ nodeId: 'nl-police', fingerprint: 'a'.repeat(40), armoredPublicKey: 'KEY-A' });
    expect(await store.keys.getActiveKey()).toMatchObject({ fingerprint: 'a'.repeat(40) });
  });

  it('upserts partners and tells when a pinned key changed', async () => {
    const card = { nodeId: 'de-bka', jurisdiction: 'DE', fingerprint: 'c'.repeat(40), armoredPublicKey: 'KEY-C' };
    expect((await store.partners.upsert(card)).status).toBe('created');
    expect((await store.partners.upsert(card)).status).toBe('unchanged');
    const rotated = await store.partners.upsert({ ...card, fingerprint: 'd'.repeat(40) });
    expect(rotated).toMatchObject({ status: 'updated', partner: { fingerprint: 'd'.repeat(40) } });
    expect(await store.partners.get('de-bka')).toMatchObject({ jurisdiction: 'DE', fingerprint: 'd'.repeat(40) });
    expect(await store.partners.get('unknown')).toBeNull();
    expect((await store.partners.list()).map((p) => p.nodeId)).toEqual(['de-bka']);
  });

  it('refuses a key change when asked to (pinning is not rotation), also under concurrent pins', async () => {
    const card = { nodeId: 'be-police', jurisdiction: 'BE', fingerprint: 'e'.repeat(40), armoredPublicKey: 'KEY-E' };
    const results = await Promise.allSettled([
      store.partners.upsert(card, { refuseKeyChange: true }),
      store.partners.upsert({ ...card, fingerprint: 'f'.repeat(40) }, { refuseKeyChange: true }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'PARTNER_KEY_CONFLICT' } });
    const pinned = (await store.partners.get('be-police'))!.fingerprint;
    await expect(store.partners.upsert({ ...card, fingerprint: pinned === card.fingerprint ? 'f'.repeat(40) : card.fingerprint }, { refuseKeyChange: true })).rejects.toMatchObject({ code: 'PARTNER_KEY_CONFLICT' });
    expect((await store.partners.get('be-police'))!.fingerprint).toBe(pinned);
  });
});
