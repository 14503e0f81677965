import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { acceptAll, activeAgreement, BACKENDS, bundleOf, input, nodeId, openTestStore, sha256, type TestStore } from '../store.fixtures';
import type { Store } from '../store';
import type { OutboundBatch } from '../store.types';
import type { OutgoingFeedback } from './feedback-outbox.repository';
import type { NewDisclosure } from './disclosure.types';

const ANALYST = { tokenId: '0190a000-0000-7000-8000-0000000000aa', name: 'analyst-a' };
const OFFICER = { tokenId: '0190a000-0000-7000-8000-0000000000bb', name: 'officer-p' };

function outgoing(recipient: string, messageId: string): OutgoingFeedback {
  const bytes = new Uint8Array(randomBytes(64));
  return { recipient, spec: 'palermo/disclosure-decision@1', messageId, messageHash: sha256(bytes), bytes, signature: new Uint8Array(randomBytes(64)) };
}

describe.each(BACKENDS)('disclosures (%s)', (backend) => {
  let t: TestStore;
  let store: Store;
  const me = nodeId('me');
  beforeAll(async () => {
    t = await openTestStore(backend, 'disclosures');
    store = t.store;
  });
  afterAll(async () => t?.dispose());

  const request = (partner: string, overrides: Partial<NewDisclosure> = {}): NewDisclosure => ({
    id: uuidv7(),
    partner,
    lookupRequestId: uuidv7(),
    reference: `${partner}:${uuidv7()}`,
    purpose: 'investigation',
    legalBasis: 'Art. 126 Sv',
    caseReference: 'case-1',
    ...overrides,
  });
  const pending = async () => (await store.feedbackOutbox.pending(1000)).map((r) => r.messageId);
  const audited = async (action: string, id: string) => (await store.audit.list({ action, subjectId: id })).items.length;

  it('keeps hits on both sides (never a value), idempotent by (side, partner, requestId)', async () => {
    const partner = nodeId('p');
    const requestId = uuidv7();
    const hit = { partner, requestId, reference: `${partner}:${uuidv7()}`, type: 'email', purpose: 'investigation', askedBy: ANALYST };
    await store.disclosures.recordAsked([hit]);
    await store.disclosures.recordAsked([hit]);
    expect(await store.disclosures.hit('asked', requestId)).toMatchObject({ side: 'asked', partner, requestId, reference: hit.reference, type: 'email', askedBy: ANALYST, indicator: null });
    expect(await store.disclosures.hit('answered', requestId)).toBeNull();
    expect(await store.disclosures.hit('asked', requestId, nodeId('other'))).toBeNull();
    expect(await store.disclosures.hit('asked', 'not-a-uuid')).toBeNull();

    const [own] = await store.indicators.upsertOwn(me, [input({ value: `${nodeId('x')}@example.org`, type: 'email' })]);
    const pk = (await store.indicators.ownPage(null, 50_000)).find((p) => p.item.id === own!.id)!.pk;
    const requester = nodeId('r');
    await store.disclosures.recordAnswered({ requester, requestId, reference: `${me}:${own!.id}`, type: 'email', purpose: 'investigation', indicatorPk: pk, indicatorOrigin: me, indicatorId: own!.id });
    expect(await store.disclosures.hit('answered', requestId, requester)).toMatchObject({ indicator: { pk, origin: me, id: own!.id } });
    // Another requester naming the same requestId finds nothing of this one's.
    expect(await store.disclosures.hit('answered', requestId, nodeId('r'))).toBeNull();
  });

  it('records a request with its outgoing message in one transaction; a second open request of the same hit is refused and sends nothing', async () => {
    const d = request(nodeId('p'), { requestedBy: ANALYST });
    const record = await store.disclosures.request(d, outgoing(d.partner, d.id));
    expect(record).toMatchObject({ id: d.id, direction: 'out', state: 'requested', requestedBy: ANALYST, released: null, imported: null, decidedAt: null });
    expect(await pending()).toContain(d.id);
    expect(await audited('disclosure.requested', d.id)).toBe(1);
    const again = { ...d, id: uuidv7() };
    await expect(store.disclosures.request(again, outgoing(d.partner, again.id))).rejects.toMatchObject({ code: 'DISCLOSURE_ALREADY_REQUESTED' });
    expect(await pending()).not.toContain(again.id);
    expect(await store.disclosures.get(again.id)).toBeNull();
  });

  it("receives a partner's request once: a redelivery is a duplicate, a taken id a conflict, a second request of the same hit 'open'", async () => {
    const d = request(nodeId('p'));
    expect(await store.disclosures.receive(d)).toBe('stored');
    expect(await store.disclosures.receive(d)).toBe('duplicate');
    expect(await audited('disclosure.received', d.id)).toBe(1);
    expect(await store.disclosures.receive({ ...d, partner: nodeId('q') })).toBe('conflict');
    expect(await store.disclosures.receive({ ...d, id: uuidv7() })).toBe('open');
    const mine = request(d.partner, { requestedBy: ANALYST });
    await store.disclosures.request(mine, outgoing(mine.partner, mine.id));
    expect(await store.disclosures.receive({ ...request(d.partner), id: mine.id })).toBe('conflict');
    expect((await store.disclosures.get(mine.id))!.direction).toBe('out');
  });

  it('denies an open request once, with its decision message; twice is DISCLOSURE_ALREADY_DECIDED, an own request is not decidable here', async () => {
    const d = request(nodeId('p'));
    await store.disclosures.receive(d);
    const messageId = uuidv7();
    const denied = await store.disclosures.deny(d.id, OFFICER, 'no legal basis', { outgoing: outgoing(d.partner, messageId) });
    expect(denied).toMatchObject({ state: 'denied', decidedBy: OFFICER, reason: 'no legal basis', released: null });
    expect(await pending()).toContain(messageId);
    const second = uuidv7();
    await expect(store.disclosures.deny(d.id, OFFICER, 'again', { outgoing: outgoing(d.partner, second) })).rejects.toMatchObject({ code: 'DISCLOSURE_ALREADY_DECIDED' });
    expect(await pending()).not.toContain(second);
    const mine = request(d.partner, { requestedBy: ANALYST });
    await store.disclosures.request(mine, outgoing(mine.partner, mine.id));
    await expect(store.disclosures.deny(mine.id, OFFICER, 'x', { outgoing: outgoing(d.partner, uuidv7()) })).rejects.toMatchObject({ code: 'DISCLOSURE_NOT_FOUND' });
    expect(await audited('disclosure.denied', d.id)).toBe(1);
  });

  it('records a denial to a partner that can no longer be sent to as not-sent, with no outbox row', async () => {
    const d = request(nodeId('p'));
    await store.disclosures.receive(d);
    const denied = await store.disclosures.deny(d.id, OFFICER, 'no', { notSent: { reason: 'DISCLOSURE_PARTNER_NOT_PINNED' } });
    expect(denied).toMatchObject({ state: 'denied', delivery: { state: 'not-sent', reason: 'DISCLOSURE_PARTNER_NOT_PINNED' } });
    expect((await store.feedbackOutbox.pending(1000)).some((r) => r.recipient === d.partner)).toBe(false);
    const sent = request(nodeId('p'));
    await store.disclosures.receive(sent);
    expect(await store.disclosures.deny(sent.id, OFFICER, 'no', { outgoing: outgoing(sent.partner, uuidv7()) })).toMatchObject({ delivery: { state: 'queued', reason: null } });
    await expect(store.disclosures.deny(request(nodeId('p')).id, OFFICER, 'x', { notSent: { reason: 'not a code' } })).rejects.toMatchObject({ code: 'DISCLOSURE_INVALID' });
  });

  it('withdraws a waiting request of this node once; the hit may then be asked about again; a late decision leaves it withdrawn', async () => {
    const d = request(nodeId('p'), { requestedBy: ANALYST });
    await store.disclosures.request(d, outgoing(d.partner, d.id));
    const withdrawn = await store.disclosures.withdraw(d.id, ANALYST, 'asked the wrong partner');
    expect(withdrawn).toMatchObject({ state: 'withdrawn', decidedBy: ANALYST, reason: 'asked the wrong partner' });
    await expect(store.disclosures.withdraw(d.id, ANALYST, 'again')).rejects.toMatchObject({ code: 'DISCLOSURE_ALREADY_DECIDED' });
    expect(await audited('disclosure.withdrawn', d.id)).toBe(1);
    const again = { ...d, id: uuidv7() };
    expect((await store.disclosures.request(again, outgoing(d.partner, again.id))).state).toBe('requested');
    // A partner's request is not this node's to withdraw.
    const theirs = request(nodeId('p'));
    await store.disclosures.receive(theirs);
    await expect(store.disclosures.withdraw(theirs.id, ANALYST, 'x')).rejects.toMatchObject({ code: 'DISCLOSURE_NOT_FOUND' });
    // The partner decided without knowing: kept in the trail, the record stays withdrawn.
    expect(await store.disclosures.decisionReceived({ disclosureId: d.id, partner: d.partner, decision: 'denied', reason: 'late' })).toBe('stored');
    expect((await store.disclosures.get(d.id))!.state).toBe('withdrawn');
    expect(await audited('disclosure.decision-after-withdrawal', d.id)).toBe(1);
  });

  it('answers a refused request with its denial message and an audit event, in one transaction', async () => {
    const partner = nodeId('p');
    const requestId = uuidv7();
    const m = uuidv7();
    await store.disclosures.answerRefusal({ disclosureId: requestId, partner, code: 'DISCLOSURE_PURPOSE_NOT_AGREED', message: 'not agreed', outgoing: outgoing(partner, m) });
    expect(await pending()).toContain(m);
    expect(await audited('disclosure.refusal-answered', requestId)).toBe(1);
    expect(await store.disclosures.get(requestId)).toBeNull();
  });

  /** A signed-looking batch of one bundle releasing `id` to `partner`. */
  function release(partner: string, agreementId: string | null, id: string, disclosureId: string, seq = 1, prev: string | null = null): OutboundBatch & { hash: string } {
    const indicator = { id, origin: me, version: 1, type: 'email', value: 'x@example.org', tlp: 'green', confidence: 50, tags: [], firstSeen: '2025-01-01T00:00:00.000Z', lastSeen: '2025-01-01T00:00:00.000Z', modifiedAt: '2025-01-01T00:00:00.000Z' } as never;
    const made = bundleOf(me, partner, seq, prev, [{ op: 'upsert', indicator }]);
    return {
      hash: made.hash,
      bundles: [made],
      exported: [],
      decisions: [{ audience: partner, originId: id, version: 1, action: 'share', reasons: [`disclosure:${disclosureId}`], policyVersion: null, agreementId, bundleHash: made.hash, entryIndex: 0 }],
    };
  }

  /** A new own indicator, as a release plans it. */
  async function ownIndicator(tlp: 'green' | 'amber' = 'green') {
    const value = `${nodeId('x')}@example.org`;
    const [own] = await store.indicators.upsertOwn(me, [input({ value, tlp })]);
    const pk = (await store.indicators.ownPage(null, 50_000)).find((p) => p.item.id === own!.id)!.pk;
    return { id: own!.id, value, planned: { pk, version: 1, tlp } };
  }

  it('approves with its bundle, export decision and decision message in one transaction — or nothing is written', async () => {
    const partner = nodeId('p');
    const d = request(partner);
    await store.disclosures.receive(d);
    const { id, planned } = await ownIndicator();
    // No agreement in force with the partner: the bundle is refused, so the approval is not recorded either.
    const refused = release(partner, null, id, d.id);
    const m1 = uuidv7();
    await expect(store.disclosures.approve(d.id, OFFICER, 'ok', { bundleHash: refused.hash, indicator: { origin: me, id } }, refused, outgoing(partner, m1), planned)).rejects.toMatchObject({ code: 'AGREEMENT_NOT_ACTIVE' });
    expect((await store.disclosures.get(d.id))!.state).toBe('requested');
    expect(await store.bundles.exists(refused.hash)).toBe(false);
    expect(await pending()).not.toContain(m1);

    const agreement = await activeAgreement(store, partner);
    const batch = release(partner, agreement.id, id, d.id);
    const m2 = uuidv7();
    const approved = await store.disclosures.approve(d.id, OFFICER, 'approved for case-1', { bundleHash: batch.hash, indicator: { origin: me, id } }, batch, outgoing(partner, m2), planned);
    expect(approved).toMatchObject({ state: 'approved', decidedBy: OFFICER, released: { bundleHash: batch.hash, indicator: { origin: me, id } } });
    expect(await store.bundles.exists(batch.hash)).toBe(true);
    expect((await store.exportDecisions.forBundle(batch.hash)).map((x) => x.reasons)).toEqual([[`disclosure:${d.id}`]]);
    expect(await pending()).toContain(m2);
    expect(await audited('disclosure.approved', d.id)).toBe(1);
    // The approval stands for that partner and that indicator (ExportPlanner.decide), and for nothing else.
    expect(await store.disclosures.standingReleases(me, [id, uuidv7()])).toEqual(new Map([[id, new Map([[partner, `disclosure:${d.id}`]])]]));
    expect(await store.disclosures.standingReleases(nodeId('other'), [id])).toEqual(new Map());

    // A second approval (or a denial) is refused, and its bundle is not stored.
    const again = release(partner, agreement.id, id, d.id, 2, batch.hash);
    await expect(store.disclosures.approve(d.id, OFFICER, 'again', { bundleHash: again.hash, indicator: { origin: me, id } }, again, outgoing(partner, uuidv7()), planned)).rejects.toMatchObject({ code: 'DISCLOSURE_ALREADY_DECIDED' });
    expect(await store.bundles.exists(again.hash)).toBe(false);
    await expect(store.disclosures.deny(d.id, OFFICER, 'late', { outgoing: outgoing(partner, uuidv7()) })).rejects.toMatchObject({ code: 'DISCLOSURE_ALREADY_DECIDED' });
  });

  it.each([
    ['its TLP raised to RED', (x: { id: string; value: string }) => store.indicators.upsertOwn(me, [input({ value: x.value, tlp: 'red' })])],
    ['revoked', (x: { id: string; value: string }) => store.indicators.revokeOwn(x.id, 'wrong number')],
  ])('refuses an approval planned on an indicator that was %s before it committed (DISCLOSURE_INDICATOR_CHANGED), writing nothing', async (_name, change) => {
    const partner = nodeId('p');
    const d = request(partner);
    await store.disclosures.receive(d);
    const own = await ownIndicator('amber');
    const agreement = await activeAgreement(store, partner);
    const batch = release(partner, agreement.id, own.id, d.id);
    // The plan was made from version 1; the analyst's change lands before the approval's transaction.
    await change(own);
    const m = uuidv7();
    await expect(store.disclosures.approve(d.id, OFFICER, 'ok', { bundleHash: batch.hash, indicator: { origin: me, id: own.id } }, batch, outgoing(partner, m), own.planned)).rejects.toMatchObject({
      code: 'DISCLOSURE_INDICATOR_CHANGED',
    });
    expect((await store.disclosures.get(d.id))!.state).toBe('requested');
    expect(await store.bundles.exists(batch.hash)).toBe(false);
    expect(await pending()).not.toContain(m);
  });

  it("applies the partner's decision to this node's request, and shows what the import made of the released indicator", async () => {
    const partner = nodeId('p');
    const indicatorId = uuidv7();
    const d = request(partner, { requestedBy: ANALYST, reference: `${partner}:${indicatorId}` });
    await store.disclosures.request(d, outgoing(partner, d.id));
    const made = bundleOf(partner, me, 1, null, [{ op: 'upsert', indicator: { id: indicatorId, origin: partner, version: 1, type: 'phone', value: '+31612345678', tlp: 'green', confidence: 60, tags: [], firstSeen: '2025-01-01T00:00:00.000Z', lastSeen: '2025-01-01T00:00:00.000Z', validUntil: null, modifiedAt: '2025-01-01T00:00:00.000Z' } as never }]);
    const released = { bundleHash: made.hash, indicator: { origin: partner, id: indicatorId } };
    expect(await store.disclosures.decisionReceived({ disclosureId: d.id, partner: nodeId('x'), decision: 'approved', reason: 'ok', released })).toBe('unknown');
    expect(await store.disclosures.decisionReceived({ disclosureId: d.id, partner, decision: 'approved', reason: 'ok', released })).toBe('stored');
    expect(await store.disclosures.decisionReceived({ disclosureId: d.id, partner, decision: 'approved', reason: 'ok', released })).toBe('duplicate');
    expect(await store.disclosures.decisionReceived({ disclosureId: d.id, partner, decision: 'denied', reason: 'no' })).toBe('conflict');
    expect(await store.disclosures.get(d.id)).toMatchObject({ state: 'approved', reason: 'ok', decidedBy: null, released, imported: { state: 'pending' } });
    await store.imports.commitImport(acceptAll(made));
    expect((await store.disclosures.get(d.id))!.imported).toEqual({ state: 'accept', version: 1, reasons: ['import.default-accept'] });
    expect(await audited('disclosure.decision-received', d.id)).toBe(1);

    const denied = request(partner, { requestedBy: ANALYST });
    await store.disclosures.request(denied, outgoing(partner, denied.id));
    expect(await store.disclosures.decisionReceived({ disclosureId: denied.id, partner, decision: 'denied', reason: 'no legal basis' })).toBe('stored');
    expect(await store.disclosures.get(denied.id)).toMatchObject({ state: 'denied', reason: 'no legal basis', released: null, imported: null });
  });

  it('lists oldest first with direction/state filters and cursor paging', async () => {
    const partner = nodeId('p');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const d = request(partner);
      await store.disclosures.receive(d);
      ids.push(d.id);
    }
    const queue = [];
    let cursor: string | undefined;
    do {
      const page = await store.disclosures.list({ direction: 'in', state: 'requested', limit: 2, cursor });
      queue.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(queue.every((q) => q.direction === 'in' && q.state === 'requested')).toBe(true);
    expect(queue.map((q) => q.id).filter((id) => ids.includes(id))).toEqual(ids);
    expect((await store.disclosures.list({ direction: 'out', limit: 1000 })).items.every((q) => q.direction === 'out')).toBe(true);
    await expect(store.disclosures.list({ limit: 10, cursor: 'bogus' })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
  });
});
