import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { acceptAll, activeAgreement, BACKENDS, bundleOf, input, nodeId, openTestStore, sha256, wire, type TestStore } from '../store.fixtures';
import type { Store } from '../store';
import type { OutgoingFeedback } from './feedback-outbox.repository';
import type { IncomingDispute } from './dispute.repository';

// Sightings and disputes that travel as feedback (issue 5 item 3): the record and its outbox row
// commit together, receiving is idempotent by message id, and a reused id is never overwritten.

const ANALYST = { tokenId: '0190a000-0000-7000-8000-0000000000aa', name: 'analyst-a' };
const OFFICER = { tokenId: '0190a000-0000-7000-8000-0000000000bb', name: 'officer-b' };

function outgoing(recipient: string, spec: string, messageId: string): OutgoingFeedback {
  const bytes = new TextEncoder().encode(JSON.stringify({ spec, id: messageId, to: recipient, n: Math.random() }));
  return { recipient, spec, messageId, messageHash: sha256(bytes), bytes, signature: new Uint8Array([1, 2, 3]) };
}

describe.each(BACKENDS)('sightings and disputes as feedback (%s)', (backend) => {
  let t: TestStore;
  let store: Store;
  const me = nodeId('me');
  beforeAll(async () => {
    t = await openTestStore(backend, 'feedback_records');
    store = t.store;
  });
  afterAll(async () => t?.dispose());

  async function own(value = `${nodeId('s')}@example.org`) {
    const [created] = await store.indicators.upsertOwn(me, [input({ value })]);
    return created!.id;
  }
  async function imported() {
    const p = nodeId('p');
    const indicator = wire(p);
    await store.imports.commitImport({ ...acceptAll(bundleOf(p, me, 1, null, [{ op: 'upsert', indicator }])), expiresAt: null });
    return indicator;
  }
  const seen = { sightedBy: me, count: 2, firstSeen: '2026-01-01T10:00:00.000Z', lastSeen: '2026-01-02T10:00:00.000Z', actor: ANALYST };

  describe('local sightings reported to the origin', () => {
    it('queues the message with the sighting (same id), and shows queued → sent', async () => {
      const theirs = await imported();
      const id = uuidv7();
      const row = outgoing(theirs.origin, 'palermo/sighting@1', id);
      const recorded = await store.sightings.record({ ...seen, id, indicatorId: theirs.id, report: { outgoing: row } });
      expect(recorded).toMatchObject({ id, feedback: { sentTo: theirs.origin, state: 'queued' } });
      const [pending] = (await store.feedbackOutbox.pending(1000)).filter((p) => p.messageId === id);
      expect(pending).toMatchObject({ recipient: theirs.origin, spec: 'palermo/sighting@1', messageHash: row.messageHash });
      await store.feedbackOutbox.markPublished(pending!.id);
      const [listed] = (await store.sightings.forIndicator(theirs.id)).items;
      expect(listed!.feedback).toMatchObject({ sentTo: theirs.origin, state: 'sent', sentAt: expect.any(String) });
      const audit = await store.audit.forSubject('sighting', id);
      expect(audit.map((e) => e.action)).toEqual(['feedback.sighting-sent']);
    });

    it('records a sighting that is not sent with its reason, and own sightings without feedback', async () => {
      const theirs = await imported();
      const kept = await store.sightings.record({ ...seen, indicatorId: theirs.id, report: { notSent: { to: theirs.origin, reason: 'FEEDBACK_NOT_AGREED' } } });
      expect(kept.feedback).toEqual({ sentTo: theirs.origin, state: 'not-sent', reason: 'FEEDBACK_NOT_AGREED' });
      const mine = await store.sightings.record({ ...seen, indicatorId: await own() });
      expect(mine.feedback).toBeNull();
    });

    it('refuses a report that does not go to the origin under the sighting id, or of an own indicator, and stores nothing', async () => {
      const theirs = await imported();
      const id = uuidv7();
      const before = (await store.feedbackOutbox.pending(1000)).length;
      await expect(store.sightings.record({ ...seen, id, indicatorId: theirs.id, report: { outgoing: outgoing('someone-else', 'palermo/sighting@1', id) } })).rejects.toMatchObject({ code: 'SIGHTING_INVALID' });
      await expect(store.sightings.record({ ...seen, id, indicatorId: theirs.id, report: { outgoing: outgoing(theirs.origin, 'palermo/sighting@1', uuidv7()) } })).rejects.toMatchObject({ code: 'SIGHTING_INVALID' });
      const mineId = await own();
      await expect(store.sightings.record({ ...seen, id, indicatorId: mineId, report: { outgoing: outgoing(me, 'palermo/sighting@1', id) } })).rejects.toMatchObject({ code: 'SIGHTING_INVALID' });
      await expect(store.sightings.record({ ...seen, indicatorId: theirs.id, report: { notSent: { to: theirs.origin, reason: 'no; drop table' } } })).rejects.toMatchObject({ code: 'SIGHTING_INVALID' });
      expect((await store.sightings.forIndicator(theirs.id)).items).toEqual([]);
      expect((await store.feedbackOutbox.pending(1000)).length).toBe(before);
    });
  });

  describe("partners' sightings of own indicators", () => {
    const partnerSighting = (indicatorId: string, from: string, overrides: Record<string, unknown> = {}) => ({
      id: uuidv7(),
      from,
      indicator: { origin: me, id: indicatorId },
      count: 3,
      firstSeen: '2026-01-01T00:00:00.000Z',
      lastSeen: '2026-01-03T00:00:00.000Z',
      reportedAt: '2026-01-03T01:00:00.000Z',
      messageHash: sha256(new TextEncoder().encode(uuidv7())),
      ...overrides,
    });

    it('stores each once (a redelivery is a duplicate), counts per partner, and audits', async () => {
      const id = await own();
      const [a, b] = [nodeId('pa'), nodeId('pb')].sort();
      const first = partnerSighting(id, a!);
      expect(await store.partnerSightings.receive(first)).toEqual({ status: 'stored', afterRevocation: false });
      expect(await store.partnerSightings.receive(first)).toEqual({ status: 'duplicate', afterRevocation: false });
      await store.partnerSightings.receive(partnerSighting(id, a!, { count: 5, firstSeen: '2025-12-01T00:00:00.000Z', lastSeen: '2026-02-01T00:00:00.000Z' }));
      await store.partnerSightings.receive(partnerSighting(id, b!, { count: 1 }));
      const counts = await store.partnerSightings.countsFor(me, id);
      expect(counts).toEqual([
        { partner: a, sightings: 2, totalCount: 8, firstSeen: '2025-12-01T00:00:00.000Z', lastSeen: '2026-02-01T00:00:00.000Z', lastReceivedAt: expect.any(String), afterRevocation: 0 },
        { partner: b, sightings: 1, totalCount: 1, firstSeen: '2026-01-01T00:00:00.000Z', lastSeen: '2026-01-03T00:00:00.000Z', lastReceivedAt: expect.any(String), afterRevocation: 0 },
      ]);
      const totals = await store.partnerSightings.totalsPerPartner();
      expect(totals[a!]).toEqual({ sightings: 2, totalCount: 8 });
      const audit = await store.audit.forSubject('indicator', id);
      expect(audit.filter((e) => e.action === 'feedback.sighting-received')).toHaveLength(3);
    });

    it('never overwrites: the same id from another sender or with other bytes is a conflict', async () => {
      const id = await own();
      const first = partnerSighting(id, nodeId('pa'));
      await store.partnerSightings.receive(first);
      expect(await store.partnerSightings.receive({ ...first, from: nodeId('pz') })).toEqual({ status: 'conflict' });
      expect(await store.partnerSightings.receive({ ...first, count: 999, messageHash: 'f'.repeat(64) })).toEqual({ status: 'conflict' });
      expect((await store.partnerSightings.countsFor(me, id))[0]).toMatchObject({ sightings: 1, totalCount: 3 });
    });

    it('keeps a sighting of a revoked indicator, flagged; unknown and imported indicators are unknown', async () => {
      const id = await own();
      await store.indicators.revokeOwn(id, 'reassigned');
      expect(await store.partnerSightings.receive(partnerSighting(id, nodeId('pa')))).toEqual({ status: 'stored', afterRevocation: true });
      expect((await store.partnerSightings.countsFor(me, id))[0]).toMatchObject({ afterRevocation: 1 });
      expect(await store.partnerSightings.receive(partnerSighting(uuidv7(), nodeId('pa')))).toEqual({ status: 'unknown' });
      const theirs = await imported();
      expect(await store.partnerSightings.receive({ ...partnerSighting(theirs.id, nodeId('pa')), indicator: { origin: theirs.origin, id: theirs.id } })).toEqual({ status: 'unknown' });
      await expect(store.partnerSightings.receive(partnerSighting(id, 'Not A Node'))).rejects.toMatchObject({ code: 'SIGHTING_INVALID' });
      await expect(store.partnerSightings.receive(partnerSighting(id, nodeId('pa'), { count: 0 }))).rejects.toMatchObject({ code: 'SIGHTING_INVALID' });
    });
  });

  describe('disputes', () => {
    async function openOut(overrides: Record<string, unknown> = {}) {
      const theirs = await imported();
      const id = uuidv7();
      const row = outgoing(theirs.origin, 'palermo/dispute@1', id);
      const dispute = await store.disputes.openOutgoing({
        id,
        indicator: { origin: theirs.origin, id: theirs.id },
        disputer: me,
        version: 1,
        kind: 'wrong-tags',
        reason: 'it is labour exploitation',
        suggestedTags: ['ht:labour'],
        disputedAt: '2026-01-05T00:00:00.000Z',
        outgoing: row,
        actor: ANALYST,
        ...overrides,
      });
      return { theirs, dispute, row };
    }
    const incoming = (indicatorId: string, disputer: string, overrides: Partial<IncomingDispute> = {}): IncomingDispute => ({
      id: uuidv7(),
      indicator: { origin: me, id: indicatorId },
      disputer,
      version: 1,
      kind: 'false-positive',
      reason: 'the number belongs to a pharmacy',
      disputedAt: '2026-01-05T00:00:00.000Z',
      messageHash: sha256(new TextEncoder().encode(uuidv7())),
      ...overrides,
    });

    it("opens an 'out' dispute with its message in the outbox; the origin's resolution applies once", async () => {
      const { theirs, dispute, row } = await openOut();
      expect(dispute).toMatchObject({
        direction: 'out',
        state: 'open',
        disputer: me,
        indicator: { origin: theirs.origin, id: theirs.id },
        suggestedTags: ['ht:labour'],
        createdBy: ANALYST,
        resolution: null,
        delivery: { to: theirs.origin, state: 'queued' },
      });
      expect((await store.feedbackOutbox.pending(1000)).some((p) => p.messageHash === row.messageHash)).toBe(true);
      const resolution = { resolutionId: uuidv7(), disputeId: dispute.id, from: theirs.origin, indicator: dispute.indicator, state: 'accepted' as const, note: 'tags fixed in v2', resolvedAt: '2026-01-06T00:00:00.000Z' };
      expect(await store.disputes.applyResolution({ ...resolution, from: nodeId('other') })).toBe('unknown');
      expect(await store.disputes.applyResolution({ ...resolution, disputeId: uuidv7() })).toBe('unknown');
      expect(await store.disputes.applyResolution(resolution)).toBe('applied');
      expect(await store.disputes.applyResolution(resolution)).toBe('duplicate');
      expect(await store.disputes.applyResolution({ ...resolution, resolutionId: uuidv7(), state: 'rejected' })).toBe('conflict');
      expect(await store.disputes.get(dispute.id)).toMatchObject({ state: 'accepted', resolution: { note: 'tags fixed in v2', at: '2026-01-06T00:00:00.000Z', by: null }, delivery: { state: 'queued' } });
      await expect(store.disputes.resolve(dispute.id, { state: 'rejected', note: 'no', resolutionId: uuidv7(), resolvedAt: new Date().toISOString(), send: { notSent: { to: null, reason: 'X' } }, actor: OFFICER })).rejects.toMatchObject({ code: 'DISPUTE_NOT_INCOMING' });
      expect((await store.audit.forSubject('dispute', dispute.id)).map((e) => e.action)).toEqual(['feedback.dispute-sent', 'feedback.dispute-resolution-received']);
    });

    it("receives an 'in' dispute once, resolves it once with the resolution queued for the disputer", async () => {
      const id = await own();
      const partner = nodeId('pd');
      const d = incoming(id, partner);
      expect(await store.disputes.receive(d)).toBe('stored');
      expect(await store.disputes.receive(d)).toBe('duplicate');
      expect(await store.disputes.receive({ ...d, disputer: nodeId('px') })).toBe('conflict');
      expect(await store.disputes.receive({ ...d, reason: 'changed' , messageHash: 'e'.repeat(64) })).toBe('conflict');
      expect(await store.disputes.get(d.id)).toMatchObject({ direction: 'in', state: 'open', disputer: partner, reason: d.reason, suggestedTags: null, delivery: null, createdBy: null });

      const resolutionId = uuidv7();
      const row = outgoing(partner, 'palermo/dispute-resolution@1', resolutionId);
      const resolved = await store.disputes.resolve(d.id, { state: 'rejected', note: 'confirmed by two sources', resolutionId, resolvedAt: '2026-01-07T00:00:00.000Z', send: { outgoing: row }, actor: OFFICER });
      expect(resolved).toMatchObject({ state: 'rejected', resolution: { id: resolutionId, note: 'confirmed by two sources', by: OFFICER }, delivery: { to: partner, state: 'queued' } });
      await expect(store.disputes.resolve(d.id, { state: 'accepted', note: 'again', resolutionId: uuidv7(), resolvedAt: new Date().toISOString(), send: { outgoing: outgoing(partner, 'palermo/dispute-resolution@1', uuidv7()) }, actor: OFFICER })).rejects.toMatchObject({ code: 'DISPUTE_ALREADY_RESOLVED' });
      const [pending] = (await store.feedbackOutbox.pending(1000)).filter((p) => p.messageId === resolutionId);
      await store.feedbackOutbox.markPublished(pending!.id);
      expect((await store.disputes.get(d.id)).delivery).toMatchObject({ state: 'sent' });
      expect((await store.audit.forSubject('dispute', d.id)).map((e) => e.action)).toEqual(['feedback.dispute-received', 'dispute.resolved']);
    });

    it('resolving the same dispute twice at once: exactly one wins, the other is DISPUTE_ALREADY_RESOLVED, and one resolution is queued', async () => {
      const id = await own();
      const partner = nodeId('pc');
      // A few rounds: a race that the row lock would lose only sometimes should not pass by luck.
      for (let round = 0; round < 5; round++) {
        const d = incoming(id, partner);
        await store.disputes.receive(d);
        const attempts = (['accepted', 'rejected'] as const).map((state) => {
          const resolutionId = uuidv7();
          const send = { outgoing: outgoing(partner, 'palermo/dispute-resolution@1', resolutionId) };
          return { resolutionId, run: store.disputes.resolve(d.id, { state, note: `${state} in round ${round}`, resolutionId, resolvedAt: new Date().toISOString(), send, actor: OFFICER }) };
        });
        const settled = await Promise.allSettled(attempts.map((a) => a.run));
        const won = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
        const lost = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason] : []));
        expect(won).toHaveLength(1);
        expect(lost).toEqual([expect.objectContaining({ code: 'DISPUTE_ALREADY_RESOLVED' })]);
        const queued = (await store.feedbackOutbox.pending(1000)).filter((p) => attempts.some((a) => a.resolutionId === p.messageId));
        expect(queued.map((p) => p.messageId)).toEqual([won[0]!.resolution!.id]);
        expect(await store.disputes.get(d.id)).toMatchObject({ state: won[0]!.state, resolution: { id: won[0]!.resolution!.id }, delivery: { state: 'queued' } });
        expect((await store.audit.forSubject('dispute', d.id)).filter((e) => e.action === 'dispute.resolved')).toHaveLength(1);
      }
    });

    it('resolves without sending when the resolution cannot travel, saying why', async () => {
      const id = await own();
      const d = incoming(id, nodeId('pd'));
      await store.disputes.receive(d);
      const resolved = await store.disputes.resolve(d.id, { state: 'accepted', note: 'ok', resolutionId: uuidv7(), resolvedAt: new Date().toISOString(), send: { notSent: { to: d.disputer, reason: 'FEEDBACK_NOT_AGREED' } }, actor: OFFICER });
      expect(resolved.delivery).toEqual({ to: d.disputer, state: 'not-sent', reason: 'FEEDBACK_NOT_AGREED' });
    });

    it('lists newest first with filters and cursor paging, and counts states per indicator', async () => {
      const id = await own();
      const ds = [incoming(id, nodeId('pl')), incoming(id, nodeId('pl')), incoming(id, nodeId('pl'))];
      for (const d of ds) await store.disputes.receive(d);
      await store.disputes.resolve(ds[0]!.id, { state: 'accepted', note: 'ok', resolutionId: uuidv7(), resolvedAt: new Date().toISOString(), send: { notSent: { to: null, reason: 'FEEDBACK_NOT_AGREED' } }, actor: OFFICER });
      const first = await store.disputes.list({ indicator: id, limit: 2 });
      expect(first.items.map((d) => d.id)).toEqual([ds[2]!.id, ds[1]!.id]);
      const second = await store.disputes.list({ indicator: id, limit: 2, cursor: first.nextCursor! });
      expect(second).toEqual({ items: [expect.objectContaining({ id: ds[0]!.id })], nextCursor: null });
      expect((await store.disputes.list({ indicator: id, state: 'open' })).items).toHaveLength(2);
      expect((await store.disputes.list({ indicator: id, direction: 'out' })).items).toEqual([]);
      expect(await store.disputes.statesFor(me, id)).toEqual({ open: 2, accepted: 1, rejected: 0 });
      await expect(store.disputes.list({ cursor: 'bogus' })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
      expect((await store.disputes.list({ indicator: "x' or 1=1 --\u0000" })).items).toEqual([]);
      await expect(store.disputes.get('nope')).rejects.toMatchObject({ code: 'DISPUTE_NOT_FOUND' });
      await expect(store.disputes.get(uuidv7())).rejects.toMatchObject({ code: 'DISPUTE_NOT_FOUND' });
    });

    it('refuses malformed disputes before SQL', async () => {
      const id = await own();
      for (const bad of [{ reason: '' }, { reason: 'x'.repeat(2001) }, { kind: 'bogus' }, { suggestedTags: ['Not A Tag'] }, { version: 0 }, { disputer: me }]) {
        await expect(store.disputes.receive(incoming(id, nodeId('pd'), bad as Partial<IncomingDispute>))).rejects.toMatchObject({ code: 'DISPUTE_INVALID' });
      }
    });
  });

  it('knows whether an own indicator was ever sent to an audience (withheld is not sent; a later revoke does not undo it)', async () => {
    const id = await own();
    const partner = nodeId('pw');
    const agreement = await activeAgreement(store, partner);
    expect(await store.exportDecisions.wasSharedWith(id, ['all', partner])).toBe(false);
    const made = bundleOf(me, partner, 1, null, [{ op: 'upsert', indicator: wire(me, { id }) }]);
    const base = { version: 1, policyVersion: null, agreementId: agreement.id };
    await store.bundles.saveOutbound({
      bundles: [made],
      exported: [{ id, version: 1 }],
      decisions: [
        { ...base, audience: 'all', originId: id, action: 'withhold', reasons: ['baseline.community-clear-only'], bundleHash: null, entryIndex: null },
        { ...base, audience: partner, originId: id, action: 'share', reasons: ['baseline.share'], bundleHash: made.hash, entryIndex: 0 },
      ],
    });
    expect(await store.exportDecisions.wasSharedWith(id, [partner, 'all'])).toBe(true);
    expect(await store.exportDecisions.wasSharedWith(id, ['all'])).toBe(false);
    expect(await store.exportDecisions.wasSharedWith(id, [nodeId('other'), 'all'])).toBe(false);
    const revoked = await store.indicators.revokeOwn(id, 'gone');
    const next = bundleOf(me, partner, 2, made.hash, [{ op: 'revoke', id, reason: 'gone' }]);
    await store.bundles.saveOutbound({
      bundles: [next],
      exported: [{ id, version: revoked.version }],
      decisions: [{ ...base, version: revoked.version, audience: partner, originId: id, action: 'revoke', reasons: ['revocation'], bundleHash: next.hash, entryIndex: 0 }],
    });
    expect((await store.exportDecisions.sharedAudiences([id])).get(id)).toBeUndefined();
    expect(await store.exportDecisions.wasSharedWith(id, [partner])).toBe(true);
    expect(await store.exportDecisions.wasSharedWith("'; select 1 --", ['all'])).toBe(false);
    expect(await store.exportDecisions.wasSharedWith(id, ['Bad,Name'])).toBe(false);
  });
});
