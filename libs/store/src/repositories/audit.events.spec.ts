import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, OFFICER_A, openTestStore, type TestStore } from '../store.fixtures';
import type { Store } from '../store';

// The store's own writes that audit themselves, each in the transaction that makes the change
// (exports and imports are covered by the e2e suite, which runs the real exporter and importer).
describe.each(BACKENDS)('audited store writes (%s)', (backend) => {
  let t: TestStore;
  let store: Store;
  beforeAll(async () => {
    t = await openTestStore(backend, 'audit_events');
    store = t.store;
  });
  afterAll(async () => t?.dispose());

  const of = async (action: string) => (await store.audit.entries({ action, limit: 1000 })).items;

  it('a quarantined message once (a redelivery of the same payload and code adds nothing), without its payload', async () => {
    const input = { publisher: 'be-police', audience: 'all', subject: 'palermo.v1.feed.be-police.all', streamSeq: 7, payload: new TextEncoder().encode('secret payload'), headers: {}, code: 'BUNDLE_SIGNATURE_INVALID', message: 'bad\u0000sig' };
    const first = await store.quarantine.add(input);
    const again = await store.quarantine.add(input);
    expect(again).toEqual({ id: first.id, duplicate: true });
    const entries = await of('bundle.quarantined');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ subjectType: 'quarantine', subjectId: first.id, details: { publisher: 'be-police', code: 'BUNDLE_SIGNATURE_INVALID', message: 'bad\uFFFDsig', streamSeq: 7, payloadSize: 14 } });
    expect(JSON.stringify(entries)).not.toContain('secret payload');
  });

  it('tokens created and revoked (never the secret), revoking twice audits once', async () => {
    const { id, token } = await store.tokens.create({ role: 'auditor', name: 'ann' });
    expect(await store.tokens.revoke(id)).toBe(true);
    expect(await store.tokens.revoke(id)).toBe(false);
    expect((await of('token.created')).map((e) => [e.subjectId, e.details])).toEqual([[id, { role: 'auditor', name: 'ann' }]]);
    expect((await of('token.revoked')).map((e) => e.subjectId)).toEqual([id]);
    expect(JSON.stringify(await store.audit.entries({ limit: 1000 }))).not.toContain(token);
  });

  it('a partner pinned, re-pinned unchanged (nothing), its key changed (both fingerprints), with the actor', async () => {
    const base = { nodeId: 'be-police', jurisdiction: 'BE', fingerprint: 'a'.repeat(40), armoredPublicKey: 'k1' };
    await store.partners.upsert(base, { actor: OFFICER_A });
    await store.partners.upsert(base);
    await store.partners.upsert({ ...base, fingerprint: 'b'.repeat(40), armoredPublicKey: 'k2' });
    await expect(store.partners.upsert(base, { actor: { tokenId: 'nope', name: 'x' } })).rejects.toMatchObject({ code: 'INVALID_ACTOR' });
    expect((await of('partner.pinned')).map((e) => [e.subjectId, e.actor, e.details])).toEqual([['be-police', OFFICER_A, { jurisdiction: 'BE', fingerprint: 'a'.repeat(40) }]]);
    expect((await of('partner.key-changed')).map((e) => e.details)).toEqual([{ jurisdiction: 'BE', fingerprint: 'b'.repeat(40), before: { jurisdiction: 'BE', fingerprint: 'a'.repeat(40) } }]);
  });

  it('node keys created and re-activated, not a boot that finds the active key again', async () => {
    const one = { nodeId: 'nl-police', fingerprint: '1'.repeat(40), armoredPublicKey: 'k1' };
    const two = { nodeId: 'nl-police', fingerprint: '2'.repeat(40), armoredPublicKey: 'k2' };
    await store.keys.saveKey(one);
    await store.keys.saveKey(one);
    await store.keys.saveKey(two);
    await store.keys.saveKey(one);
    expect((await of('key.created')).map((e) => e.subjectId)).toEqual([one.fingerprint, two.fingerprint]);
    expect((await of('key.activated')).map((e) => e.subjectId)).toEqual([one.fingerprint]);
  });
});
