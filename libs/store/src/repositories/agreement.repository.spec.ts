import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activeAgreement,
  agreementInput,
  BACKENDS,
  fourEyes,
  nodeId,
  OFFICER_A,
  OFFICER_B,
  openTestStore,
  type TestStore,
} from '../store.fixtures';
import type { Store } from '../store';
import type { ActorRef, AgreementCommand } from '../governance.types';

const OFFICER_C: ActorRef = { tokenId: '0190c000-0000-7000-8000-00000000000c', name: 'officer-c' };

describe.each(BACKENDS)('agreements (%s)', (backend) => {
  let t: TestStore;
  let store: Store;
  beforeAll(async () => {
    t = await openTestStore(backend, 'agreements');
    store = t.store;
  });
  afterAll(async () => t?.dispose());

  const run = (id: string, command: AgreementCommand, by: ActorRef, reason: string | null = null) =>
    store.agreements.transition(id, command, by, reason, fourEyes(command, by));

  it('creates a draft with its terms, creator and an audit entry', async () => {
    const partner = nodeId('p');
    const created = await store.agreements.create(agreementInput(partner, { note: 'MoU 2025/17', lookups: true }), OFFICER_A);
    expect(created).toMatchObject({
      partner,
      state: 'draft',
      directions: ['export', 'import'],
      types: ['phone', 'email'],
      maxTlp: 'amber',
      retentionDays: 365,
      pseudonymize: [],
      lookups: true,
      encrypt: false,
      onward: false,
      validFrom: '2025-01-01T00:00:00.000Z',
      validUntil: null,
      note: 'MoU 2025/17',
      createdBy: OFFICER_A,
      approvedBy: null,
      suspendedBy: null,
      backfillPk: null,
      backfilledAt: null,
    });
    expect(await store.agreements.get(created.id)).toEqual(created);
    const history = await store.agreements.history(created.id);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({
      action: 'agreement.created',
      actor: OFFICER_A,
      subjectType: 'agreement',
      subjectId: created.id,
      details: { terms: { partner, state: 'draft', maxTlp: 'amber' }, note: 'MoU 2025/17' },
    });
    expect(await store.agreements.activeFor(partner)).toBeNull();
  });

  it('keeps the onward-sharing term through four-eyes approval, in the record and the audit entry', async () => {
    const created = await store.agreements.create(agreementInput(nodeId('o'), { onward: true }), OFFICER_A);
    expect(created.onward).toBe(true);
    const approved = await run(created.id, 'approve', OFFICER_B);
    expect(approved).toMatchObject({ state: 'active', onward: true });
    expect(await store.agreements.activeFor(created.partner)).toMatchObject({ onward: true });
    expect((await store.agreements.history(created.id))[0]).toMatchObject({ details: { terms: { onward: true } } });
  });

  it('keeps the encryption term through approval, in the record and the audit entry', async () => {
    const created = await store.agreements.create(agreementInput(nodeId('e'), { encrypt: true }), OFFICER_A);
    expect(created.encrypt).toBe(true);
    const approved = await run(created.id, 'approve', OFFICER_B);
    expect(approved).toMatchObject({ state: 'active', encrypt: true });
    expect((await store.agreements.history(created.id))[0]).toMatchObject({ details: { terms: { encrypt: true } } });
  });

  it('activates only on approval by a second officer; the rule throwing changes nothing', async () => {
    const partner = nodeId('p');
    const draft = await store.agreements.create(agreementInput(partner), OFFICER_A);
    await expect(run(draft.id, 'approve', OFFICER_A)).rejects.toMatchObject({ code: 'AGREEMENT_FOUR_EYES' });
    expect(await store.agreements.get(draft.id)).toEqual(draft);
    expect(await store.agreements.history(draft.id)).toHaveLength(1);

    const active = await run(draft.id, 'approve', OFFICER_B, 'signed');
    expect(active).toMatchObject({ state: 'active', approvedBy: OFFICER_B, stateReason: 'signed', createdBy: OFFICER_A });
    expect(active.approvedAt).not.toBeNull();
    expect(await store.agreements.activeFor(partner)).toEqual(active);
  });

  it('refuses a duplicate approval and leaves the first one in place', async () => {
    const active = await activeAgreement(store, nodeId('p'));
    await expect(run(active.id, 'approve', OFFICER_C)).rejects.toMatchObject({ code: 'AGREEMENT_STATE_CONFLICT' });
    expect(await store.agreements.get(active.id)).toEqual(active);
    expect((await store.agreements.history(active.id)).map((e) => e.action)).toEqual(['agreement.created', 'agreement.approve']);
  });

  it('suspends, resumes only by another officer, terminates for good; history in order', async () => {
    const active = await activeAgreement(store, nodeId('p'));
    const suspended = await run(active.id, 'suspend', OFFICER_A, 'leak under investigation');
    expect(suspended).toMatchObject({ state: 'suspended', suspendedBy: OFFICER_A, stateReason: 'leak under investigation' });
    expect(await store.agreements.activeFor(active.partner)).toMatchObject({ id: active.id, state: 'suspended' });
    await expect(run(active.id, 'resume', OFFICER_A)).rejects.toMatchObject({ code: 'AGREEMENT_FOUR_EYES' });
    const resumed = await run(active.id, 'resume', OFFICER_C, 'cleared');
    expect(resumed).toMatchObject({ state: 'active', approvedBy: OFFICER_C });
    const terminated = await run(active.id, 'terminate', OFFICER_B, 'expired MoU');
    expect(terminated.state).toBe('terminated');
    await expect(run(active.id, 'resume', OFFICER_C)).rejects.toMatchObject({ code: 'AGREEMENT_STATE_CONFLICT' });
    expect(await store.agreements.activeFor(active.partner)).toBeNull();

    const history = await store.agreements.history(active.id);
    expect(history.map((e) => [e.action, e.actor?.name, (e.details as { to?: string }).to])).toEqual([
      ['agreement.created', 'officer-a', undefined],
      ['agreement.approve', 'officer-b', 'active'],
      ['agreement.suspend', 'officer-a', 'suspended'],
      ['agreement.resume', 'officer-c', 'active'],
      ['agreement.terminate', 'officer-b', 'terminated'],
    ]);
    expect(history[2]!.details).toMatchObject({ from: 'active', to: 'suspended', reason: 'leak under investigation' });
    const ids = history.map((e) => BigInt(e.id));
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
  });

  it('supersedes the current agreement when a new one is approved, in the same transaction', async () => {
    const partner = nodeId('p');
    const first = await activeAgreement(store, partner);
    await run(first.id, 'suspend', OFFICER_A);
    const second = await activeAgreement(store, partner, { maxTlp: 'green' });
    expect(await store.agreements.get(first.id)).toMatchObject({ state: 'superseded', stateReason: `superseded by ${second.id}` });
    expect(await store.agreements.activeFor(partner)).toMatchObject({ id: second.id, state: 'active', maxTlp: 'green' });
    expect((await store.agreements.history(first.id)).map((e) => e.action)).toEqual([
      'agreement.created',
      'agreement.approve',
      'agreement.suspend',
      'agreement.superseded',
    ]);
    const approval = (await store.agreements.history(second.id)).at(-1)!;
    expect(approval.details).toMatchObject({ to: 'active', superseded: [first.id] });
    expect((await store.agreements.list({ partner })).map((a) => [a.id, a.state])).toEqual([
      [second.id, 'active'],
      [first.id, 'superseded'],
    ]);
    expect((await store.agreements.list({ partner, state: 'superseded' })).map((a) => a.id)).toEqual([first.id]);
    expect((await store.agreements.allCurrent()).filter((a) => a.partner === partner).map((a) => a.id)).toEqual([second.id]);
  });

  it('ends concurrent approvals of two drafts for one partner with exactly one active agreement', async () => {
    // Several partners at once, on a warmed-up pool, so that the two transactions of a pair overlap.
    await Promise.all(Array.from({ length: 8 }, () => store.agreements.list({ state: 'draft' })));
    const pairs = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const partner = nodeId('p');
        const a = await store.agreements.create(agreementInput(partner), OFFICER_A);
        const b = await store.agreements.create(agreementInput(partner), OFFICER_A);
        return { partner, a, b };
      }),
    );
    const results = await Promise.allSettled(pairs.flatMap(({ a, b }) => [run(a.id, 'approve', OFFICER_B), run(b.id, 'approve', OFFICER_C)]));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    for (const { partner, a, b } of pairs) {
      const states = (await store.agreements.list({ partner })).map((x) => x.state).sort();
      expect(states).toEqual(['active', 'superseded']);
      const current = await store.agreements.activeFor(partner);
      const other = current!.id === a.id ? b.id : a.id;
      expect(await store.agreements.get(other)).toMatchObject({ state: 'superseded', stateReason: `superseded by ${current!.id}` });
    }
  });

  it('approves one draft once when two officers approve it at the same time', async () => {
    const draft = await store.agreements.create(agreementInput(nodeId('p')), OFFICER_A);
    const results = await Promise.allSettled([run(draft.id, 'approve', OFFICER_B), run(draft.id, 'approve', OFFICER_C)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: 'AGREEMENT_STATE_CONFLICT' });
    expect((await store.agreements.history(draft.id)).filter((e) => e.action === 'agreement.approve')).toHaveLength(1);
  });

  it('restarts the backfill when an agreement becomes active again', async () => {
    const active = await activeAgreement(store, nodeId('p'));
    expect(await store.agreements.backfillState(active.id)).toEqual({ pk: null, done: false, backfilledAt: null });
    await store.bundles.saveOutbound({ bundles: [], exported: [], decisions: [], backfill: { agreementId: active.id, pk: '42', done: true } });
    expect(await store.agreements.backfillState(active.id)).toMatchObject({ pk: '42', done: true });
    await run(active.id, 'suspend', OFFICER_A);
    expect(await store.agreements.backfillState(active.id)).toMatchObject({ pk: '42', done: true });
    await run(active.id, 'resume', OFFICER_B);
    expect(await store.agreements.backfillState(active.id)).toEqual({ pk: null, done: false, backfilledAt: null });
    expect(await store.agreements.backfillState('not-a-uuid')).toBeNull();
  });

  it('stores hostile text (NUL, lone surrogates) visibly replaced, in the row and in the audit log', async () => {
    const hostile: ActorRef = { tokenId: OFFICER_B.tokenId, name: 'eve\u0000\uD800' };
    const draft = await store.agreements.create(agreementInput(nodeId('p'), { note: 'a\u0000b\uDC00c\uD83D\uDE00' }), OFFICER_A);
    expect(draft.note).toBe('a\uFFFDb\uFFFDc\uD83D\uDE00');
    const active = await store.agreements.transition(draft.id, 'approve', hostile, 'ok\u0000\uDBFF', fourEyes('approve', hostile));
    expect(active).toMatchObject({ stateReason: 'ok\uFFFD\uFFFD', approvedBy: { tokenId: OFFICER_B.tokenId, name: 'eve\uFFFD\uFFFD' } });
    const history = await store.agreements.history(draft.id);
    expect(history[0]!.details).toMatchObject({ note: 'a\uFFFDb\uFFFDc\uD83D\uDE00' });
    expect(history[1]).toMatchObject({ actor: { name: 'eve\uFFFD\uFFFD' }, details: { reason: 'ok\uFFFD\uFFFD' } });
    expect(await store.agreements.list({ partner: 'x\u0000' })).toEqual([]);
    expect(await store.agreements.activeFor('x\u0000')).toBeNull();
  });

  it('refuses unknown ids, bad actors and terms the schema cannot hold', async () => {
    const missing = '0190ffff-0000-7000-8000-000000000000';
    await expect(run(missing, 'approve', OFFICER_B)).rejects.toMatchObject({ code: 'AGREEMENT_NOT_FOUND' });
    await expect(run('nope', 'approve', OFFICER_B)).rejects.toMatchObject({ code: 'AGREEMENT_NOT_FOUND' });
    expect(await store.agreements.get('nope')).toBeNull();
    expect(await store.agreements.get(missing)).toBeNull();
    expect(await store.agreements.history('nope')).toEqual([]);
    await expect(store.agreements.create(agreementInput(nodeId('p')), { tokenId: 'cli', name: 'x' })).rejects.toMatchObject({ code: 'INVALID_ACTOR' });
    const bad = [
      agreementInput('Not A Node'),
      agreementInput(nodeId('p'), { validFrom: '2026-01-01T00:00:00.000Z', validUntil: '2025-01-01T00:00:00.000Z' }),
      agreementInput(nodeId('p'), { retentionDays: 0 }),
      agreementInput(nodeId('p'), { directions: [] }),
      agreementInput(nodeId('p'), { validFrom: 'yesterday' }),
    ];
    for (const input of bad) await expect(store.agreements.create(input, OFFICER_A)).rejects.toMatchObject({ code: 'AGREEMENT_INVALID' });
  });
});
