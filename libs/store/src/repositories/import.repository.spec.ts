import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BundleEntry } from '@palermo/bundles';
import { acceptAll, activeAgreement, BACKENDS, bundleOf, fourEyes, input, nodeId, OFFICER_A, openTestStore, wire, type TestStore } from '../store.fixtures';
import type { Store } from '../store';

describe.each(BACKENDS)('commitImport (%s)', (backend) => {
  let t: TestStore;
  let store: Store;
  const me = nodeId('me');
  beforeAll(async () => {
    t = await openTestStore(backend, 'imports');
    store = t.store;
  });
  afterAll(async () => t?.dispose());

  /** A fresh partner chain: each call returns the next bundle of it. */
  function chain(publisher = nodeId('p'), audience = me) {
    let seq = 0;
    let prev: string | null = null;
    return (entries: BundleEntry[]) => {
      const made = bundleOf(publisher, audience, ++seq, prev, entries);
      prev = made.hash;
      return made;
    };
  }

  it('commits the bundle, accepted indicators and every decision in one go', async () => {
    const publisher = nodeId('p');
    const accepted = wire(publisher, { tags: ['ht:labour'] });
    const rejected = wire(publisher, { type: 'email', value: 'boss@example.org' });
    const made = chain(publisher)([
      { op: 'upsert', indicator: accepted },
      { op: 'upsert', indicator: rejected },
    ]);
    const commit = acceptAll(made);
    commit.decisions[1] = { ...commit.decisions[1]!, action: 'reject', reasons: ['import.type-not-allowed'] };
    expect(await store.imports.commitImport({ ...commit, streamSeq: 7 })).toBe('imported');

    const decisions = await store.decisions.forBundle(made.hash);
    expect(decisions.map((d) => [d.entryIndex, d.action, d.reasons])).toEqual([
      [0, 'accept', ['import.default-accept']],
      [1, 'reject', ['import.type-not-allowed']],
    ]);
    const kept = await store.indicators.getWithProvenance(accepted.id);
    expect(kept?.indicator).toMatchObject({ own: false, value: accepted.value, tags: ['ht:labour'], version: 1 });
    expect(kept?.bundleHash).toBe(made.hash);
    expect(kept?.decision).toMatchObject({ action: 'accept', bundleHash: made.hash, entryIndex: 0 });
    expect(await store.indicators.getWithProvenance(rejected.id)).toBeNull();

    const stored = await store.bundles.get(made.hash);
    expect(stored).toMatchObject({ direction: 'in', seq: 1, streamSeq: 7, entryCount: 2, acceptedCount: 1, rejectedCount: 1 });
    expect(Buffer.from(stored!.bytes!).equals(Buffer.from(made.bytes))).toBe(true);
    expect(Buffer.from(stored!.signature).equals(Buffer.from(made.signature))).toBe(true);
    expect(await store.bundles.chainHead(made.bundle.publisher, me)).toEqual({ seq: 1, hash: made.hash });
  });

  it('keeps only hash and signature when the caller withholds the bytes (pseudonymized or rejected values)', async () => {
    const publisher = nodeId('p');
    const made = chain(publisher)([{ op: 'upsert', indicator: wire(publisher) }]);
    expect(await store.imports.commitImport({ ...acceptAll(made), bytes: null })).toBe('imported');
    const stored = await store.bundles.get(made.hash);
    expect(stored?.bytes).toBeNull();
    expect(Buffer.from(stored!.signature).equals(Buffer.from(made.signature))).toBe(true);
    expect(await store.bundles.chainHead(publisher, me)).toEqual({ seq: 1, hash: made.hash });
  });

  it('refuses a value the database cannot hold with BUNDLE_UNSTORABLE and writes nothing (no retry loop)', async () => {
    const publisher = nodeId('p');
    const made = chain(publisher)([{ op: 'upsert', indicator: { ...wire(publisher), version: 3_000_000_000 } }]);
    await expect(store.imports.commitImport(acceptAll(made))).rejects.toMatchObject({ code: 'BUNDLE_UNSTORABLE' });
    expect(await store.bundles.exists(made.hash)).toBe(false);
    expect(await store.bundles.chainHead(publisher, me)).toBeNull();
  });

  it('is idempotent by hash: a second commit is a duplicate and writes nothing', async () => {
    const next = chain();
    const indicator = wire('x-origin');
    const made = next([{ op: 'upsert', indicator }]);
    expect(await store.imports.commitImport(acceptAll(made))).toBe('imported');
    const replay = acceptAll(made, { action: 'reject', reasons: ['import.tlp-above-maximum'] });
    expect(await store.imports.commitImport(replay)).toBe('duplicate');
    expect((await store.decisions.forBundle(made.hash)).map((d) => d.action)).toEqual(['accept']);
    expect((await store.indicators.getWithProvenance(indicator.id))?.indicator.value).toBe(indicator.value);
  });

  it('commits a bundle delivered twice in parallel once, without an error', async () => {
    const next = chain();
    const made = next(Array.from({ length: 300 }, () => ({ op: 'upsert' as const, indicator: wire('y-origin') })));
    const results = await Promise.all([store.imports.commitImport(acceptAll(made)), store.imports.commitImport(acceptAll(made))]);
    expect(results.sort()).toEqual(['duplicate', 'imported']);
    expect(await store.decisions.forBundle(made.hash)).toHaveLength(300);
  });

  it('never lets an older (or equal) version overwrite a newer one', async () => {
    const next = chain();
    const v2 = wire('z-origin', { version: 2, confidence: 80 });
    await store.imports.commitImport(acceptAll(next([{ op: 'upsert', indicator: v2 }])));
    const v1 = { ...v2, version: 1, confidence: 10 };
    const sameVersion = { ...v2, confidence: 20 };
    await store.imports.commitImport(acceptAll(next([{ op: 'upsert', indicator: v1 }])));
    await store.imports.commitImport(acceptAll(next([{ op: 'upsert', indicator: sameVersion }])));
    expect((await store.indicators.getWithProvenance(v2.id))?.indicator).toMatchObject({ version: 2, confidence: 80 });

    const v3 = next([{ op: 'upsert', indicator: { ...v2, version: 3, confidence: 90 } }]);
    await store.imports.commitImport(acceptAll(v3));
    const latest = await store.indicators.getWithProvenance(v2.id);
    expect(latest?.indicator).toMatchObject({ version: 3, confidence: 90 });
    expect(latest?.bundleHash).toBe(v3.hash);
  });

  it('drops the kept copy when a newer version is rejected by policy, but never for an older one', async () => {
    const publisher = nodeId('p');
    const next = chain(publisher);
    const v1 = wire(publisher, { version: 1, tlp: 'green' });
    await store.imports.commitImport(acceptAll(next([{ op: 'upsert', indicator: v1 }])));
    const reject = { action: 'reject' as const, reasons: ['import.tlp-above-maximum'] };
    await store.imports.commitImport(acceptAll(next([{ op: 'upsert', indicator: { ...v1, version: 1, tlp: 'red' } }]), reject));
    expect(await store.indicators.getWithProvenance(v1.id)).not.toBeNull();
    const raised = next([{ op: 'upsert', indicator: { ...v1, version: 2, tlp: 'red' } }]);
    await store.imports.commitImport(acceptAll(raised, reject));
    expect(await store.indicators.getWithProvenance(v1.id)).toBeNull();
    expect((await store.decisions.forBundle(raised.hash))[0]).toMatchObject({ action: 'reject', version: 2, reasons: ['import.tlp-above-maximum'] });
  });

  it('keeps the older copy when the rejection is about the agreement, or when another node sends a version of it', async () => {
    const origin = nodeId('p');
    const fromOrigin = chain(origin);
    const kept = wire(origin, { version: 1, tlp: 'green' });
    await store.imports.commitImport(acceptAll(fromOrigin([{ op: 'upsert', indicator: kept }])));
    // A suspension: the next version is rejected for the agreement's sake, what was kept stays.
    const suspended = { action: 'reject' as const, reasons: ['baseline.agreement-not-active'], keepsOlder: true };
    await store.imports.commitImport(acceptAll(fromOrigin([{ op: 'upsert', indicator: { ...kept, version: 2 } }]), suspended));
    expect((await store.indicators.getWithProvenance(kept.id))?.indicator).toMatchObject({ version: 1 });
    // Another pinned partner claims a newer version of the origin's indicator: rejected, and it cannot erase ours.
    const forger = chain(nodeId('p'));
    const claim = { action: 'reject' as const, reasons: ['import.origin-not-publisher'] };
    await store.imports.commitImport(acceptAll(forger([{ op: 'upsert', indicator: { ...kept, version: 99 } }]), claim));
    expect((await store.indicators.getWithProvenance(kept.id))?.indicator).toMatchObject({ version: 1 });
  });

  it('refuses to commit acceptances under an agreement suspended between the decision and the commit', async () => {
    const publisher = nodeId('p');
    const agreement = await activeAgreement(store, publisher);
    const next = chain(publisher);
    const first = next([{ op: 'upsert', indicator: wire(publisher) }]);
    expect(await store.imports.commitImport({ ...acceptAll(first), agreementId: agreement.id })).toBe('imported');
    await store.agreements.transition(agreement.id, 'suspend', OFFICER_A, null, fourEyes('suspend', OFFICER_A));
    const decidedBefore = next([{ op: 'upsert', indicator: wire(publisher) }]);
    await expect(store.imports.commitImport({ ...acceptAll(decidedBefore), agreementId: agreement.id })).rejects.toMatchObject({ code: 'AGREEMENT_CHANGED' });
    expect(await store.bundles.exists(decidedBefore.hash)).toBe(false);
    // Decided again (all rejected), it commits.
    const rejected = { ...acceptAll(decidedBefore, { action: 'reject', reasons: ['baseline.agreement-not-active'], keepsOlder: true }), agreementId: agreement.id };
    expect(await store.imports.commitImport(rejected)).toBe('imported');
  });

  it('keeps the highest version when one bundle carries an indicator twice', async () => {
    const base = wire('w-origin');
    const made = chain()([
      { op: 'upsert', indicator: { ...base, version: 5, confidence: 55 } },
      { op: 'upsert', indicator: { ...base, version: 4, confidence: 44 } },
    ]);
    expect(await store.imports.commitImport(acceptAll(made))).toBe('imported');
    expect((await store.indicators.getWithProvenance(base.id))?.indicator).toMatchObject({ version: 5, confidence: 55 });
  });

  it('stores only the pseudonym of a pseudonymized indicator', async () => {
    const indicator = wire('v-origin', { type: 'email', value: 'victim@example.org' });
    const made = chain()([{ op: 'upsert', indicator }]);
    const pseudonym = `hmac-sha256:${'ab'.repeat(32)}`;
    const commit = acceptAll(made, { action: 'accept-pseudonymized', pseudonym, reasons: ['import.pseudonymize-type'] });
    await store.imports.commitImport(commit);
    const found = await store.indicators.search({ type: 'email', pseudonym, limit: 5 });
    expect(found.items).toHaveLength(1);
    expect(found.items[0]).toMatchObject({ value: null, pseudonym });
    expect((await store.indicators.search({ type: 'email', value: 'victim@example.org', limit: 5 })).items).toEqual([]);
    await expect(store.imports.commitImport(acceptAll(chain()([]), {}))).resolves.toBe('imported');
    const missing = acceptAll(chain()([{ op: 'upsert', indicator: wire('v-origin') }]), { action: 'accept-pseudonymized' });
    await expect(store.imports.commitImport(missing)).rejects.toMatchObject({ code: 'PSEUDONYM_REQUIRED' });
  });

  it('applies revocations of the publisher, also to ids it has not delivered yet', async () => {
    const publisher = nodeId('p');
    const next = chain(publisher);
    const known = wire(publisher);
    const later = wire(publisher);
    await store.imports.commitImport(acceptAll(next([{ op: 'upsert', indicator: known }])));
    await store.imports.commitImport(
      acceptAll(
        next([
          { op: 'revoke', id: known.id, reason: 'closed' },
          { op: 'revoke', id: later.id, reason: 'mistake' },
        ]),
      ),
    );
    expect((await store.indicators.getWithProvenance(known.id))?.indicator).toMatchObject({ revokeReason: 'closed' });
    // The upsert arrives after its revocation (e.g. on the other chain): it stays out.
    await store.imports.commitImport(acceptAll(chain(publisher, 'all')([{ op: 'upsert', indicator: later }])));
    expect(await store.indicators.getWithProvenance(later.id)).toBeNull();
    // A revoked indicator is not revived by a newer version either.
    await store.imports.commitImport(acceptAll(next([{ op: 'upsert', indicator: { ...known, version: 2 } }])));
    expect((await store.indicators.getWithProvenance(known.id))?.indicator).toMatchObject({ version: 1 });
  });

  it('onward sharing: records who relayed an indicator, applies a relayed revocation only from a node that sent it here, refuses and records any other', async () => {
    const [origin, relay, stranger] = [nodeId('o'), nodeId('r'), nodeId('s')];
    const relayed = wire(origin);
    const viaRelay = chain(relay);
    await store.imports.commitImport(acceptAll(viaRelay([{ op: 'upsert', indicator: relayed }])));
    expect((await store.indicators.getWithProvenance(relayed.id))?.indicator).toMatchObject({ origin, relayedBy: relay, version: 1 });
    expect((await store.indicators.pendingRelay(1000)).map((p) => [p.originNode, p.id, p.receivedFrom])).toContainEqual([origin, relayed.id, relay]);

    const refused = chain(stranger)([{ op: 'revoke', id: relayed.id, reason: 'not yours' }]);
    expect(await store.imports.commitImport(acceptAll(refused))).toBe('imported');
    expect((await store.indicators.getWithProvenance(relayed.id))?.indicator.revokedAt).toBeNull();

    await store.imports.commitImport(acceptAll(viaRelay([{ op: 'revoke', id: relayed.id, reason: 'revoked by the origin' }])));
    expect((await store.indicators.getWithProvenance(relayed.id))?.indicator).toMatchObject({ revokeReason: 'revoked by the origin' });
    const history = (await store.indicators.history([{ origin, id: relayed.id }])).get(`${origin}/${relayed.id}`)!;
    expect(history.map((e) => [e.event, e.from, e.detail])).toEqual([
      ['received', relay, 'accept'],
      ['revocation-refused', stranger, 'REVOCATION_NOT_FROM_SOURCE'],
      ['revoked', relay, 'revoked by the origin'],
    ]);
    // Never back: a newer copy straight from the origin changes nothing.
    await store.imports.commitImport(acceptAll(chain(origin)([{ op: 'upsert', indicator: { ...relayed, version: 3 } }])));
    expect((await store.indicators.getWithProvenance(relayed.id, origin))?.indicator).toMatchObject({ version: 1 });
    expect((await store.indicators.getWithProvenance(relayed.id, origin))?.indicator.revokedAt).not.toBeNull();

    // Once the exporter has considered the version and the revocation, it is no longer pending.
    await store.bundles.saveOutbound({ bundles: [], exported: [], decisions: [], relayed: [{ originNode: origin, id: relayed.id, version: 1, revoked: true }] });
    expect((await store.indicators.pendingRelay(1000)).map((p) => p.id)).not.toContain(relayed.id);
  });

  it('never touches own indicators, whatever origin a bundle claims', async () => {
    const [own] = await store.indicators.upsertOwn(me, [input({ value: 'mine@example.org' })]);
    const forged = wire(me, { id: own!.id, version: 9, type: 'email', value: 'forged@example.org' });
    const next = chain();
    await store.imports.commitImport(acceptAll(next([{ op: 'upsert', indicator: forged }])));
    await store.imports.commitImport(acceptAll(next([{ op: 'revoke', id: own!.id, reason: 'forged' }])));
    const foreign = next([{ op: 'revoke', id: own!.id, reason: 'forged' }]);
    const claimed = { ...acceptAll(foreign), revocations: [{ originNode: me, originId: own!.id, reason: 'forged' }] };
    await expect(store.imports.commitImport(claimed)).rejects.toMatchObject({ code: 'REVOCATION_NOT_BY_ORIGIN' });
    expect((await store.indicators.getWithProvenance(own!.id, me))?.indicator).toMatchObject({
      own: true,
      value: 'mine@example.org',
      version: 1,
      revokedAt: null,
    });
  });

  it('refuses a second bundle at the same chain position (a forked chain)', async () => {
    const publisher = nodeId('p');
    const first = bundleOf(publisher, me, 1, null, [{ op: 'upsert', indicator: wire(publisher) }]);
    const fork = bundleOf(publisher, me, 1, null, [{ op: 'upsert', indicator: wire(publisher) }]);
    await store.imports.commitImport(acceptAll(first));
    await expect(store.imports.commitImport(acceptAll(fork))).rejects.toMatchObject({ code: 'CHAIN_SEQ_CONFLICT' });
    expect(await store.bundles.exists(fork.hash)).toBe(false);
    expect(await store.indicators.getWithProvenance((fork.bundle.entries[0] as { indicator: { id: string } }).indicator.id)).toBeNull();
  });

  it('stores the retention, policy version, agreement and facts of every decision', async () => {
    const publisher = nodeId('p');
    const agreementId = (await activeAgreement(store, publisher)).id;
    const accepted = wire(publisher, { tags: ['ht:labour', 'ht:payment'], confidence: 40, tlp: 'amber' });
    const rejected = wire(publisher, { type: 'email', value: 'no@example.org', firstSeen: '2024-03-04T05:06:07.089Z' });
    const made = chain(publisher)([
      { op: 'upsert', indicator: accepted },
      { op: 'upsert', indicator: rejected },
    ]);
    const commit = acceptAll(made);
    commit.decisions[1] = { ...commit.decisions[1]!, action: 'reject', reasons: ['baseline.type-not-agreed'] };
    const expiresAt = '2031-02-03T04:05:06.007Z';
    await store.imports.commitImport({ ...commit, expiresAt, policyVersion: 7, agreementId });

    expect((await store.indicators.getWithProvenance(accepted.id))?.indicator.expiresAt).toBe(expiresAt);
    expect((await store.bundles.get(made.hash))?.expiresAt).toBe(expiresAt);
    const decisions = await store.decisions.forBundle(made.hash);
    expect(decisions.map((d) => [d.policyVersion, d.agreementId, d.facts])).toEqual([
      [7, agreementId, { origin: publisher, type: 'phone', tlp: 'amber', confidence: 40, tags: ['ht:labour', 'ht:payment'], firstSeen: accepted.firstSeen }],
      [7, agreementId, { origin: publisher, type: 'email', tlp: 'green', confidence: 70, tags: ['ht:sexual-exploitation'], firstSeen: '2024-03-04T05:06:07.089Z' }],
    ]);
    expect(await store.decisions.forIndicator(publisher, rejected.id)).toEqual([decisions[1]]);
    expect(await store.decisions.forIndicator(publisher, 'x\u0000')).toEqual([]);

    const bad = chain()([]);
    await expect(store.imports.commitImport({ ...acceptAll(bad), expiresAt: 'soon' })).rejects.toMatchObject({ code: 'INVALID_DATE' });
    await expect(store.imports.commitImport({ ...acceptAll(bad), agreementId: 'a1' })).rejects.toMatchObject({ code: 'AGREEMENT_NOT_FOUND' });
    expect(await store.bundles.exists(bad.hash)).toBe(false);
  });

  it('lists the newest inbound bundles with their decisions and facts, for the simulator', async () => {
    const publisher = nodeId('p');
    const next = chain(publisher);
    const first = next([{ op: 'upsert', indicator: wire(publisher) }]);
    const second = next([
      { op: 'upsert', indicator: wire(publisher, { tlp: 'red' }) },
      { op: 'revoke', id: wire(publisher).id, reason: 'gone' },
      { op: 'upsert', indicator: wire(publisher, { type: 'email', value: 'r@example.org' }) },
    ]);
    const empty = next([]);
    for (const made of [first, second, empty]) await store.imports.commitImport(acceptAll(made));
    await store.bundles.saveOutbound({ ...bundleOf(me, 'all', 1, null, []), exported: [] });

    const recent = await store.decisions.recentInbound(3);
    expect(recent.map((r) => r.bundle.hash)).toEqual([empty.hash, second.hash, first.hash]);
    expect(recent[0]!.decisions).toEqual([]);
    expect(recent[1]!.bundle).toMatchObject({ publisher, audience: me, seq: 2, direction: 'in' });
    expect(recent[1]!.decisions.map((d) => [d.entryIndex, d.facts?.tlp, d.facts?.type])).toEqual([
      [0, 'red', 'phone'],
      [2, 'green', 'email'],
    ]);
    expect(await store.decisions.recentInbound(1)).toHaveLength(1);
    await expect(store.decisions.recentInbound(0)).rejects.toMatchObject({ code: 'INVALID_LIMIT' });
  });

  it('imports a 2,000-entry bundle', async () => {
    const publisher = nodeId('p');
    const entries = Array.from({ length: 2000 }, () => ({ op: 'upsert' as const, indicator: wire(publisher) }));
    const made = bundleOf(publisher, me, 1, null, entries);
    expect(await store.imports.commitImport(acceptAll(made))).toBe('imported');
    const page = await store.indicators.search({ origin: publisher, limit: 1000 });
    expect(page.items).toHaveLength(1000);
    expect(page.nextCursor).not.toBeNull();
  });
});
