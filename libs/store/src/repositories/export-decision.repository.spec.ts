import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BundleEntry } from '@palermo/bundles';
import {
  acceptAll,
  activeAgreement,
  BACKENDS,
  bundleOf,
  fourEyes,
  input,
  nodeId,
  OFFICER_A,
  openTestStore,
  wire,
  type TestStore,
} from '../store.fixtures';
import type { Store } from '../store';
import type { ExportDecisionInput } from '../store.types';

describe.each(BACKENDS)('export decisions and outbound batches (%s)', (backend) => {
  let t: TestStore;
  let store: Store;
  beforeAll(async () => {
    t = await openTestStore(backend, 'exports');
    store = t.store;
  });
  afterAll(async () => t?.dispose());

  /** A fresh outbound chain of `owner` to `audience`: each call returns its next bundle. */
  function chain(owner: string, audience: string) {
    let seq = 0;
    let prev: string | null = null;
    return (entries: BundleEntry[]) => {
      const made = bundleOf(owner, audience, ++seq, prev, entries);
      prev = made.hash;
      return made;
    };
  }

  function decision(d: Partial<ExportDecisionInput> & Pick<ExportDecisionInput, 'audience' | 'originId' | 'action'>): ExportDecisionInput {
    return { version: 1, reasons: ['baseline.share'], policyVersion: null, agreementId: null, bundleHash: null, entryIndex: null, ...d };
  }

  it('stores every decision with its batch, queryable per bundle and per indicator', async () => {
    const owner = nodeId('me');
    const partner = nodeId('p');
    const agreement = await activeAgreement(store, partner);
    const [a, b] = await store.indicators.upsertOwn(owner, [input({ value: 'e1@example.org' }), input({ value: 'e2@example.org', tlp: 'red' })]);
    const forAll = chain(owner, 'all')([{ op: 'upsert', indicator: wire(owner, { id: a!.id }) }]);
    const forPartner = chain(owner, partner)([
      { op: 'upsert', indicator: wire(owner, { id: a!.id }) },
      { op: 'upsert', indicator: wire(owner, { id: b!.id }) },
    ]);
    const decisions = [
      decision({ audience: 'all', originId: a!.id, action: 'share', bundleHash: forAll.hash, entryIndex: 0 }),
      decision({ audience: 'all', originId: b!.id, action: 'withhold', reasons: ['baseline.community-clear-only'] }),
      decision({ audience: partner, originId: a!.id, action: 'share', agreementId: agreement.id, bundleHash: forPartner.hash, entryIndex: 0 }),
      decision({ audience: partner, originId: b!.id, action: 'share-stripped', agreementId: agreement.id, bundleHash: forPartner.hash, entryIndex: 1 }),
    ];
    const exported = [a!, b!].map((r) => ({ id: r.id, version: r.version }));
    expect(await store.bundles.saveOutbound({ bundles: [forAll, forPartner], exported, decisions })).toBe('saved');

    expect((await store.exportDecisions.forBundle(forPartner.hash)).map((d) => [d.entryIndex, d.originId, d.action, d.agreementId])).toEqual([
      [0, a!.id, 'share', agreement.id],
      [1, b!.id, 'share-stripped', agreement.id],
    ]);
    const aboutB = await store.exportDecisions.forIndicator(b!.id);
    expect(aboutB.map((d) => [d.audience, d.action, d.reasons, d.policyVersion, d.bundleHash])).toEqual([
      [partner, 'share-stripped', ['baseline.share'], null, forPartner.hash],
      ['all', 'withhold', ['baseline.community-clear-only'], null, null],
    ]);
    expect(aboutB[0]!.decidedAt).toMatch(/Z$/);

    // A replay of the same batch is a duplicate and writes no second set of decisions.
    expect(await store.bundles.saveOutbound({ bundles: [forAll, forPartner], exported, decisions })).toBe('duplicate');
    expect(await store.exportDecisions.forIndicator(a!.id)).toHaveLength(2);
    expect(await store.exportDecisions.forIndicator('x\u0000')).toEqual([]);
  });

  it('knows which audiences hold an id: shared in a bundle and not revoked since', async () => {
    const owner = nodeId('me');
    const p1 = nodeId('p');
    const p2 = nodeId('p');
    const a1 = (await activeAgreement(store, p1)).id;
    const a2 = (await activeAgreement(store, p2)).id;
    const [x, y, z] = await store.indicators.upsertOwn(owner, [
      input({ value: 'x@example.org' }),
      input({ value: 'y@example.org' }),
      input({ value: 'z@example.org' }),
    ]);
    const toP1 = chain(owner, p1);
    const toP2 = chain(owner, p2);
    const toAll = chain(owner, 'all');
    const b1 = toP1([{ op: 'upsert', indicator: wire(owner, { id: x!.id }) }, { op: 'upsert', indicator: wire(owner, { id: y!.id }) }]);
    const b2 = toP2([{ op: 'upsert', indicator: wire(owner, { id: x!.id }) }]);
    const b3 = toAll([{ op: 'upsert', indicator: wire(owner, { id: y!.id }) }]);
    await store.bundles.saveOutbound({
      bundles: [b1, b2, b3],
      exported: [],
      decisions: [
        decision({ audience: p1, originId: x!.id, action: 'share', agreementId: a1, bundleHash: b1.hash, entryIndex: 0 }),
        decision({ audience: p1, originId: y!.id, action: 'share-stripped', agreementId: a1, bundleHash: b1.hash, entryIndex: 1 }),
        decision({ audience: p2, originId: x!.id, action: 'share', agreementId: a2, bundleHash: b2.hash, entryIndex: 0 }),
        decision({ audience: 'all', originId: y!.id, action: 'share', bundleHash: b3.hash, entryIndex: 0 }),
        decision({ audience: p2, originId: z!.id, action: 'withhold', agreementId: a2 }),
      ],
    });
    const shared = await store.exportDecisions.sharedAudiences([x!.id, y!.id, z!.id, x!.id, 'unknown']);
    expect(shared.get(x!.id)).toEqual(new Map([[p1, 1], [p2, 1]]));
    expect(shared.get(y!.id)).toEqual(new Map([[p1, 1], ['all', 1]]));
    expect(shared.has(z!.id)).toBe(false);
    expect(shared.has('unknown')).toBe(false);

    // x is revoked towards p1 only; a later version of y goes to p1 again.
    const b4 = toP1([{ op: 'revoke', id: x!.id, reason: 'withdrawn' }, { op: 'upsert', indicator: wire(owner, { id: y!.id, version: 2 }) }]);
    await store.bundles.saveOutbound({
      bundles: [b4],
      exported: [],
      decisions: [
        decision({ audience: p1, originId: x!.id, version: 2, action: 'revoke', reasons: ['indicator.revoked'], agreementId: a1, bundleHash: b4.hash, entryIndex: 0 }),
        decision({ audience: p1, originId: y!.id, version: 2, action: 'share', agreementId: a1, bundleHash: b4.hash, entryIndex: 1 }),
      ],
    });
    const after = await store.exportDecisions.sharedAudiences([x!.id, y!.id]);
    expect(after.get(x!.id)).toEqual(new Map([[p2, 1]]));
    expect(after.get(y!.id)).toEqual(new Map([[p1, 2], ['all', 1]]));
    expect(await store.exportDecisions.sharedAudiences([])).toEqual(new Map());
  });

  it("refuses a bundle for a partner whose agreement is not in force, and stores nothing of the batch", async () => {
    const owner = nodeId('me');
    const partner = nodeId('p');
    const stranger = nodeId('p');
    const agreement = await activeAgreement(store, partner);
    const [a] = await store.indicators.upsertOwn(owner, [input({ value: 'guard@example.org' })]);
    const forAll = chain(owner, 'all')([]);
    const toStranger = chain(owner, stranger)([]);
    const exported = [{ id: a!.id, version: 1 }];
    await expect(store.bundles.saveOutbound({ bundles: [forAll, toStranger], exported, decisions: [] })).rejects.toMatchObject({
      code: 'AGREEMENT_NOT_ACTIVE',
      details: { partners: [stranger] },
    });
    expect(await store.bundles.exists(forAll.hash)).toBe(false);
    expect((await store.indicators.pendingExport(1000)).map((p) => p.id)).toContain(a!.id);

    await store.agreements.transition(agreement.id, 'suspend', OFFICER_A, 'paused', fourEyes('suspend', OFFICER_A));
    await expect(store.bundles.saveOutbound({ bundles: [chain(owner, partner)([])], exported, decisions: [] })).rejects.toMatchObject({
      code: 'AGREEMENT_NOT_ACTIVE',
    });
    const importOnly = await activeAgreement(store, nodeId('p'), { directions: ['import'] });
    await expect(store.bundles.saveOutbound({ bundles: [chain(owner, importOnly.partner)([])], exported, decisions: [] })).rejects.toMatchObject({
      code: 'AGREEMENT_NOT_ACTIVE',
    });
    const later = await activeAgreement(store, nodeId('p'), { validFrom: '2099-01-01T00:00:00.000Z' });
    await expect(store.bundles.saveOutbound({ bundles: [chain(owner, later.partner)([])], exported, decisions: [] })).rejects.toMatchObject({
      code: 'AGREEMENT_NOT_ACTIVE',
    });
    // The community chain needs no agreement.
    expect(await store.bundles.saveOutbound({ bundles: [forAll], exported, decisions: [] })).toBe('saved');
  });

  it('refuses decisions that point outside the batch or name no rule', async () => {
    const owner = nodeId('me');
    const made = chain(owner, 'all')([]);
    const stray = decision({ audience: 'all', originId: 'x', action: 'share', bundleHash: 'f'.repeat(64), entryIndex: 0 });
    await expect(store.bundles.saveOutbound({ bundles: [made], exported: [], decisions: [stray] })).rejects.toMatchObject({
      code: 'EXPORT_DECISION_BUNDLE_UNKNOWN',
    });
    const reasonless = decision({ audience: 'all', originId: 'x', action: 'withhold', reasons: [] });
    await expect(store.bundles.saveOutbound({ bundles: [made], exported: [], decisions: [reasonless] })).rejects.toMatchObject({
      code: 'DECISION_WITHOUT_REASON',
    });
    expect(await store.bundles.exists(made.hash)).toBe(false);
  });

  it('cancels only the unpublished bundles of one audience, with their decisions', async () => {
    const owner = nodeId('me');
    const partner = nodeId('p');
    const other = nodeId('p');
    const agreements = new Map([
      [partner, (await activeAgreement(store, partner)).id],
      [other, (await activeAgreement(store, other)).id],
    ]);
    const toPartner = chain(owner, partner);
    const published = toPartner([{ op: 'upsert', indicator: wire(owner) }]);
    const pending1 = toPartner([{ op: 'upsert', indicator: wire(owner) }]);
    const pending2 = toPartner([]);
    const otherPending = chain(owner, other)([{ op: 'upsert', indicator: wire(owner) }]);
    const allPending = chain(owner, 'all')([]);
    const shareIn = (made: typeof published, audience: string) =>
      decision({ audience, originId: (made.bundle.entries[0] as { indicator: { id: string } }).indicator.id, action: 'share', agreementId: agreements.get(audience) ?? null, bundleHash: made.hash, entryIndex: 0 });
    await store.bundles.saveOutbound({
      bundles: [published, pending1, pending2, otherPending, allPending],
      exported: [],
      decisions: [shareIn(published, partner), shareIn(pending1, partner), shareIn(otherPending, other)],
    });
    await store.bundles.markPublished(published.hash, 1);

    expect(await store.bundles.cancelUnpublished(partner)).toBe(2);
    expect(await store.bundles.exists(published.hash)).toBe(true);
    expect(await store.bundles.exists(pending1.hash)).toBe(false);
    expect(await store.bundles.exists(pending2.hash)).toBe(false);
    expect(await store.bundles.exists(otherPending.hash)).toBe(true);
    expect(await store.bundles.exists(allPending.hash)).toBe(true);
    expect(await store.exportDecisions.forBundle(pending1.hash)).toEqual([]);
    expect(await store.exportDecisions.forBundle(published.hash)).toHaveLength(1);
    expect(await store.exportDecisions.forBundle(otherPending.hash)).toHaveLength(1);
    // The chain continues after the last published bundle.
    expect(await store.bundles.chainHead(owner, partner)).toEqual({ seq: 1, hash: published.hash });
    expect(await store.bundles.cancelUnpublished(partner)).toBe(0);
    expect(await store.bundles.cancelUnpublished('nobody\u0000')).toBe(0);
  });

  it('pages own indicators (revoked ones too) for a backfill and advances the cursor with the bundle, or not at all', async () => {
    const owner = nodeId('me');
    const partner = nodeId('p');
    const agreement = await activeAgreement(store, partner);
    const made = await store.indicators.upsertOwn(owner, Array.from({ length: 5 }, (_, i) => input({ value: `bf${i}-${owner}@example.org` })));
    await store.indicators.revokeOwn(made[2]!.id, 'mistake');
    await store.indicators.upsertOwn(owner, [input({ value: `bf0-${owner}@example.org`, confidence: 99 })]);
    // An imported indicator: the backfill never pages through it.
    const partnerPublish = nodeId('p');
    await store.imports.commitImport(acceptAll(bundleOf(partnerPublish, owner, 1, null, [{ op: 'upsert', indicator: wire(partnerPublish) }])));

    const mine = async (after: string | null, limit: number) => (await store.indicators.ownPage(after, limit)).filter((r) => r.item.indicator.origin === owner);
    const firstPage = await store.indicators.ownPage(null, 10_000);
    const ownRows = firstPage.filter((r) => r.item.indicator.origin === owner);
    expect(ownRows.map((r) => r.item.id)).toEqual(made.map((m) => m!.id));
    expect(ownRows[0]!.item).toMatchObject({ version: 2, revoked: null, indicator: { confidence: 99, version: 2 } });
    // A revoked one comes with its revocation, for a partner that holds it and missed the revoke.
    expect(ownRows[2]!.item.revoked).toMatchObject({ reason: 'mistake' });
    expect(firstPage.every((r) => r.item.indicator.origin !== partnerPublish)).toBe(true);
    const pks = ownRows.map((r) => BigInt(r.pk));
    expect([...pks].sort((a, b) => (a < b ? -1 : 1))).toEqual(pks);
    const afterSecond = await mine(ownRows[1]!.pk, 10_000);
    expect(afterSecond.map((r) => r.item.id)).toEqual([made[2]!.id, made[3]!.id, made[4]!.id]);
    await expect(store.indicators.ownPage('12x', 10)).rejects.toMatchObject({ code: 'INVALID_CURSOR' });

    const toPartner = chain(owner, partner);
    const page1 = toPartner(ownRows.slice(0, 2).map((r) => ({ op: 'upsert' as const, indicator: r.item.indicator })));
    const backfillDecisions = ownRows.slice(0, 2).map((r, entryIndex) =>
      decision({ audience: partner, originId: r.item.id, version: r.item.version, action: 'share', agreementId: agreement.id, bundleHash: page1.hash, entryIndex }),
    );
    // A failing batch (the chain position is taken) leaves the cursor where it was.
    const clash = bundleOf(owner, partner, 1, null, []);
    await store.bundles.saveOutbound({ bundles: [clash], exported: [], decisions: [] });
    await expect(
      store.bundles.saveOutbound({ bundles: [page1], exported: [], decisions: backfillDecisions, backfill: { agreementId: agreement.id, pk: ownRows[1]!.pk, done: false } }),
    ).rejects.toMatchObject({ code: 'CHAIN_SEQ_CONFLICT' });
    expect(await store.agreements.backfillState(agreement.id)).toEqual({ pk: null, done: false, backfilledAt: null });

    const page1b = bundleOf(owner, partner, 2, clash.hash, page1.bundle.entries);
    const decisionsB = backfillDecisions.map((d) => ({ ...d, bundleHash: page1b.hash }));
    await store.bundles.saveOutbound({ bundles: [page1b], exported: [], decisions: decisionsB, backfill: { agreementId: agreement.id, pk: ownRows[1]!.pk, done: false } });
    expect(await store.agreements.backfillState(agreement.id)).toEqual({ pk: ownRows[1]!.pk, done: false, backfilledAt: null });
    expect((await store.exportDecisions.sharedAudiences([made[0]!.id])).get(made[0]!.id)).toEqual(new Map([[partner, 2]]));

    await store.bundles.saveOutbound({ bundles: [], exported: [], decisions: [], backfill: { agreementId: agreement.id, pk: ownRows[3]!.pk, done: true } });
    const state = await store.agreements.backfillState(agreement.id);
    expect(state).toMatchObject({ pk: ownRows[3]!.pk, done: true });
    expect(state!.backfilledAt).toMatch(/Z$/);
    await expect(
      store.bundles.saveOutbound({ bundles: [], exported: [], decisions: [], backfill: { agreementId: '0190ffff-0000-7000-8000-000000000000', pk: '1', done: true } }),
    ).rejects.toMatchObject({ code: 'AGREEMENT_NOT_FOUND' });
    await expect(
      store.bundles.saveOutbound({ bundles: [], exported: [], decisions: [], backfill: { agreementId: agreement.id, pk: '-1', done: true } }),
    ).rejects.toMatchObject({ code: 'BACKFILL_INVALID' });
  });

  it('refuses entries decided under an agreement that was superseded meanwhile, and drops unpublished bundles when an agreement ends', async () => {
    const owner = nodeId('me');
    const partner = nodeId('p');
    const first = await activeAgreement(store, partner);
    const toPartner = chain(owner, partner);
    const stored = toPartner([{ op: 'upsert', indicator: wire(owner) }]);
    const idOf = (made: typeof stored) => (made.bundle.entries[0] as { indicator: { id: string } }).indicator.id;
    await store.bundles.saveOutbound({
      bundles: [stored],
      exported: [],
      decisions: [decision({ audience: partner, originId: idOf(stored), action: 'share', agreementId: first.id, bundleHash: stored.hash, entryIndex: 0 })],
    });

    // A second agreement is approved while an export pass still holds entries decided under the first.
    const second = await activeAgreement(store, partner, { maxTlp: 'green' });
    expect((await store.agreements.get(first.id))!.state).toBe('superseded');
    // Superseding dropped the bundle the first agreement's terms made, before it was ever published.
    expect(await store.bundles.exists(stored.hash)).toBe(false);
    expect((await store.agreements.history(second.id)).at(-1)!.details).toMatchObject({ unpublishedBundlesCancelled: 1 });

    const late = chain(owner, partner)([{ op: 'upsert', indicator: wire(owner) }]);
    await expect(
      store.bundles.saveOutbound({
        bundles: [late],
        exported: [],
        decisions: [decision({ audience: partner, originId: idOf(late), action: 'share', agreementId: first.id, bundleHash: late.hash, entryIndex: 0 })],
      }),
    ).rejects.toMatchObject({ code: 'AGREEMENT_CHANGED' });
    expect(await store.bundles.exists(late.hash)).toBe(false);

    // Under the agreement in force it is stored; terminating drops what is still unpublished.
    await store.bundles.saveOutbound({
      bundles: [late],
      exported: [],
      decisions: [decision({ audience: partner, originId: idOf(late), action: 'share', agreementId: second.id, bundleHash: late.hash, entryIndex: 0 })],
    });
    await store.agreements.transition(second.id, 'terminate', OFFICER_A, 'ended', fourEyes('terminate', OFFICER_A));
    expect(await store.bundles.exists(late.hash)).toBe(false);
    expect(await store.exportDecisions.forBundle(late.hash)).toEqual([]);
  });

  it('refuses a batch decided under a policy version that is no longer active; a new version re-decides what never left', async () => {
    const owner = nodeId('me');
    const partner = nodeId('p');
    const agreement = await activeAgreement(store, partner);
    const sha = (n: number) => String(n).padStart(64, '0');
    const v = (await store.policies.add({ text: `// v${Date.now()}\n`, sha256: sha(1), author: null })).version;
    const [x] = await store.indicators.upsertOwn(owner, [input({ value: `pv-${owner}@example.org` })]);
    const toPartner = chain(owner, partner);
    const stored = toPartner([{ op: 'upsert', indicator: wire(owner, { id: x!.id }) }]);
    const decided = (made: typeof stored, policyVersion: number) =>
      decision({ audience: partner, originId: x!.id, action: 'share', agreementId: agreement.id, policyVersion, bundleHash: made.hash, entryIndex: 0 });
    await expect(
      store.bundles.saveOutbound({ bundles: [stored], exported: [{ id: x!.id, version: 1 }], decisions: [decided(stored, v - 1)] }),
    ).rejects.toMatchObject({ code: 'POLICY_CHANGED' });
    expect(await store.bundles.exists(stored.hash)).toBe(false);
    await store.bundles.saveOutbound({ bundles: [stored], exported: [{ id: x!.id, version: 1 }], decisions: [decided(stored, v)] });
    expect((await store.indicators.pendingExport(10_000)).some((p) => p.id === x!.id)).toBe(false);

    // A new version: the bundle never handed to NATS goes, its indicator is pending again, backfills restart.
    await store.policies.add({ text: `// v${Date.now()} stricter\n`, sha256: sha(2), author: OFFICER_A });
    expect(await store.bundles.exists(stored.hash)).toBe(false);
    expect((await store.indicators.pendingExport(10_000)).some((p) => p.id === x!.id)).toBe(true);
    expect(await store.agreements.backfillState(agreement.id)).toEqual({ pk: null, done: false, backfilledAt: null });
  });

  it('never cancels a bundle once it was handed to NATS (it may have arrived without an ack)', async () => {
    const owner = nodeId('me');
    const partner = nodeId('p');
    const agreement = await activeAgreement(store, partner);
    const toPartner = chain(owner, partner);
    const [attempted, fresh] = [toPartner([{ op: 'upsert', indicator: wire(owner) }]), toPartner([{ op: 'upsert', indicator: wire(owner) }])];
    const idOf = (made: typeof attempted) => (made.bundle.entries[0] as { indicator: { id: string } }).indicator.id;
    await store.bundles.saveOutbound({
      bundles: [attempted, fresh],
      exported: [],
      decisions: [attempted, fresh].map((made) => decision({ audience: partner, originId: idOf(made), action: 'share', agreementId: agreement.id, bundleHash: made.hash, entryIndex: 0 })),
    });
    expect(await store.bundles.markAttempted(attempted.hash)).toBe(true);
    await store.agreements.transition(agreement.id, 'terminate', OFFICER_A, null, fourEyes('terminate', OFFICER_A));
    expect(await store.bundles.exists(attempted.hash)).toBe(true);
    expect(await store.bundles.exists(fresh.hash)).toBe(false);
    // The chain continues after the one that may have gone out; what it carried is still known to be held.
    expect(await store.bundles.chainHead(owner, partner)).toEqual({ seq: 1, hash: attempted.hash });
    expect((await store.exportDecisions.sharedAudiences([idOf(attempted)])).get(idOf(attempted))).toEqual(new Map([[partner, 1]]));
    expect(await store.bundles.markAttempted(fresh.hash)).toBe(false);
  });

  it('stores a revocation-only bundle for a partner whose agreement ended, and nothing with data', async () => {
    const owner = nodeId('me');
    const partner = nodeId('p');
    const agreement = await activeAgreement(store, partner);
    await store.agreements.transition(agreement.id, 'terminate', OFFICER_A, null, fourEyes('terminate', OFFICER_A));
    const toPartner = chain(owner, partner);
    const revokeOnly = toPartner([{ op: 'revoke', id: '0190ffff-0000-7000-8000-0000000000aa', reason: 'revoked by the origin' }]);
    await store.bundles.saveOutbound({
      bundles: [revokeOnly],
      exported: [],
      decisions: [decision({ audience: partner, originId: '0190ffff-0000-7000-8000-0000000000aa', action: 'revoke', bundleHash: revokeOnly.hash, entryIndex: 0 })],
    });
    expect(await store.bundles.exists(revokeOnly.hash)).toBe(true);
    const withData = toPartner([{ op: 'upsert', indicator: wire(owner) }]);
    await expect(store.bundles.saveOutbound({ bundles: [withData], exported: [], decisions: [] })).rejects.toMatchObject({ code: 'AGREEMENT_NOT_ACTIVE' });
  });
});
