import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootFederation, eventually, OFFICER_NAMES, type Federation, type TestNode } from './support/federation.harness';
import {
  agreement,
  command,
  currentAgreement,
  draft,
  holds,
  inbound,
  keptFrom,
  outbound,
  publish,
  publishContinuously,
  terms,
} from './support/agreements.probes';

// Sharing agreements on three real nodes: nl-police has agreed with de-bka only; de-bka and us-hsi
// have agreed with everyone. Four-eyes, roles, and what suspension and termination do to a running
// stream of bundles.

const A = 'nl-police';
const B = 'de-bka';
const C = 'us-hsi';
const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000';

let fed: Federation;
let nl: TestNode;
let de: TestNode;
let us: TestNode;

beforeAll(async () => {
  fed = await bootFederation([
    { nodeId: A, jurisdiction: 'NL', agreements: [{ partner: B }] },
    { nodeId: B, jurisdiction: 'DE' },
    { nodeId: C, jurisdiction: 'US' },
  ]);
  [nl, de, us] = [fed.node(A), fed.node(B), fed.node(C)];
});

afterAll(async () => {
  await fed?.stop();
});

const green = (value: string) => ({ type: 'keyword', value, tlp: 'green', confidence: 80, tags: ['ht:recruitment'] });

describe('who may touch agreements and policy', () => {
  let existing: string;
  beforeAll(async () => {
    existing = (await currentAgreement(nl, B)).id;
  });

  /** Every route of agreements, policy and retention, with a body that would be valid for its owner. */
  const routes = (id: string): [string, string, unknown][] => [
    ['GET', '/agreements', undefined],
    ['GET', `/agreements?partner=${B}`, undefined],
    ['GET', `/agreements/${id}`, undefined],
    ['POST', '/agreements', terms(C)],
    ['POST', `/agreements/${id}/approve`, {}],
    ['POST', `/agreements/${id}/suspend`, { reason: 'test' }],
    ['POST', `/agreements/${id}/resume`, {}],
    ['POST', `/agreements/${id}/terminate`, { reason: 'test' }],
    ['GET', '/policy', undefined],
    ['PUT', '/policy', { text: '@id("x.permit-all")\npermit (principal, action, resource);\n' }],
    ['GET', '/policy/versions', undefined],
    ['GET', '/policy/versions/1', undefined],
    ['POST', '/policy/validate', { text: '@id("x.permit-all")\npermit (principal, action, resource);\n' }],
    ['POST', '/policy/simulate', { last: 5 }],
    ['GET', '/retention/purges', undefined],
    ['POST', '/retention/purge', {}],
  ];

  it('refuses the analyst every agreement, policy and retention route with 403 AUTH_FORBIDDEN, and nothing changes', async () => {
    const before = { agreements: (await nl.api('GET', '/agreements', { role: 'auditor' })).body, versions: (await nl.api('GET', '/policy/versions', { role: 'auditor' })).body };
    const answers = [];
    for (const [method, path, body] of routes(existing)) {
      const res = await nl.api(method, path, { role: 'analyst', body });
      answers.push(`${method} ${path} → ${res.status} ${res.body?.error?.code}`);
    }
    expect(answers).toEqual(routes(existing).map(([method, path]) => `${method} ${path} → 403 AUTH_FORBIDDEN`));
    expect((await nl.api('GET', '/agreements', { role: 'auditor' })).body).toEqual(before.agreements);
    expect((await nl.api('GET', '/policy/versions', { role: 'auditor' })).body).toEqual(before.versions);
  });

  it('refuses every route without a token (401)', async () => {
    for (const [method, path, body] of routes(existing)) {
      expect((await nl.api(method, path, { role: null, body })).status, `${method} ${path}`).toBe(401);
    }
  });

  it('lets the auditor read agreements, policy and purges, simulate, but write nothing (403)', async () => {
    const reads: [string, string, unknown][] = [
      ['GET', '/agreements', undefined],
      ['GET', `/agreements/${existing}`, undefined],
      ['GET', '/policy', undefined],
      ['GET', '/policy/versions', undefined],
      ['GET', '/policy/versions/1', undefined],
      ['GET', '/retention/purges', undefined],
      ['POST', '/policy/simulate', { last: 5 }],
    ];
    for (const [method, path, body] of reads) expect((await nl.api(method, path, { role: 'auditor', body })).status, `${method} ${path}`).toBe(200);
    const writes = routes(existing).filter(([method, path]) => method !== 'GET' && !['/policy/simulate', '/policy/validate'].includes(path));
    for (const [method, path, body] of writes) {
      expect(await nl.api(method, path, { role: 'auditor', body }), `${method} ${path}`).toMatchObject({ status: 403, body: { error: { code: 'AUTH_FORBIDDEN' } } });
    }
    expect((await agreement(nl, existing)).state).toBe('active');
    expect((await nl.api('GET', '/policy', { role: 'auditor' })).body.version).toBe(1);
  });

  it('lets the admin read but not draft, approve or change the policy', async () => {
    expect((await nl.api('GET', `/agreements/${existing}`, { role: 'admin' })).status).toBe(200);
    for (const [method, path, body] of routes(existing).filter(([m, p]) => m !== 'GET' && p !== '/retention/purge' && p !== '/policy/validate')) {
      if (path === '/policy/simulate') continue;
      expect((await nl.api(method, path, { role: 'admin', body })).status, `${method} ${path}`).toBe(403);
    }
  });

  it('answers 404 for an unknown agreement and 400 for a malformed id or terms', async () => {
    expect(await nl.api('GET', `/agreements/${UNKNOWN_ID}`, { role: 'auditor' })).toMatchObject({ status: 404, body: { error: { code: 'AGREEMENT_NOT_FOUND' } } });
    expect(await command(nl, UNKNOWN_ID, 'approve', 'policy-officer-2')).toMatchObject({ status: 404 });
    expect((await nl.api('GET', '/agreements/not-a-uuid', { role: 'auditor' })).status).toBe(400);
    const bad: [string, object][] = [
      ['no directions', terms(C, { directions: [] })],
      ['an unknown type', terms(C, { types: ['carrier-pigeon' as never] })],
      ['retention 0 days', terms(C, { retentionDays: 0 })],
      ['validUntil before validFrom', terms(C, { validFrom: '2026-02-01T00:00:00Z', validUntil: '2026-01-01T00:00:00Z' })],
      ['pseudonymize a type not agreed', terms(C, { types: ['email'], pseudonymize: ['phone'] })],
      ['an unknown field', { ...terms(C), colour: 'red' }],
    ];
    for (const [name, body] of bad) {
      const res = await nl.api('POST', '/agreements', { role: 'policy-officer', body });
      expect(res.status, `${name}: ${JSON.stringify(res.body)}`).toBe(400);
    }
    const unpinned = await nl.api('POST', '/agreements', { role: 'policy-officer', body: terms('fr-police') });
    expect(unpinned).toMatchObject({ status: 400, body: { error: { code: 'AGREEMENT_PARTNER_UNKNOWN' } } });
    expect((await nl.api('GET', `/agreements?partner=${C}`, { role: 'auditor' })).body.items).toEqual([]);
  });
});

describe('four-eyes: a draft does nothing until a second officer approves it', () => {
  let draftId: string;
  let before: string[];

  it('the drafting officer cannot approve alone (403 AGREEMENT_FOUR_EYES); the draft stays a draft and nothing goes to us-hsi', async () => {
    // Published before any agreement with us-hsi exists: the backfill must bring them later.
    before = await publish(nl, [green('before-agreement-green'), { ...green('before-agreement-amber'), tlp: 'amber' }]);
    const made = await draft(nl, C, {}, 'policy-officer');
    draftId = made.id;
    expect(made).toMatchObject({ state: 'draft', effectiveState: 'draft', createdBy: { name: OFFICER_NAMES[0] }, approvedBy: null });

    const alone = await command(nl, draftId, 'approve', 'policy-officer');
    expect(alone).toMatchObject({ status: 403, body: { error: { code: 'AGREEMENT_FOUR_EYES' } } });
    expect(await agreement(nl, draftId)).toMatchObject({ state: 'draft', effectiveState: 'draft', approvedBy: null });

    // de-bka (active agreement) is the witness that the export pass ran: once it has both, us-hsi would have them too.
    const [marker] = await publish(nl, [green('after-draft-marker')]);
    for (const id of [...before, marker!]) await eventually(`${B} to import ${id}`, () => holds(de, id));
    expect(await outbound(nl, C)).toEqual([]);
    for (const id of [...before, marker!]) expect(await holds(us, id), id).toBe(false);
    // A draft's export decisions do not exist: us-hsi is no audience of nl-police yet.
    const shown = await nl.api('GET', `/indicators/${marker}`, { role: 'auditor' });
    expect(shown.body.exportDecisions.map((d: { audience: string }) => d.audience).sort()).toEqual(['all', B]);
  });

  it('a second officer activates it, and us-hsi receives what nl-police published before the agreement existed (backfill)', async () => {
    const approved = await command(nl, draftId, 'approve', 'policy-officer-2', 'checked the terms');
    expect(approved).toMatchObject({ status: 200, body: { id: draftId, state: 'active', effectiveState: 'active', approvedBy: { name: OFFICER_NAMES[1] } } });
    for (const id of before) await eventually(`${C} to receive ${id} by backfill`, () => holds(us, id));
    const chain = await outbound(nl, C);
    expect(chain[0]).toMatchObject({ audience: C, seq: 1, prev: null });
    const decisions = (await nl.api('GET', `/bundles/${chain[0]!.hash}/decisions`, { role: 'auditor' })).body.items;
    expect(decisions).toEqual(expect.arrayContaining(before.map((id) => expect.objectContaining({ audience: C, originId: id, action: 'share', agreementId: draftId }))));
    // Approving twice is a state conflict, not a second activation.
    expect(await command(nl, draftId, 'approve', 'policy-officer-2')).toMatchObject({ status: 409, body: { error: { code: 'AGREEMENT_STATE_CONFLICT' } } });
  });
});

describe('de-bka suspends taking bundles from nl-police', () => {
  it('rejects nl-police’s later bundles with a baseline reason, loses nothing already imported, and takes bundles again after a resume by another officer', async () => {
    const [earlier] = await publish(nl, [green('kept-before-import-suspension')]);
    await eventually(`${B} to import ${earlier}`, () => holds(de, earlier!));
    const keptBefore = await keptFrom(de, A);
    const own = await currentAgreement(de, A);

    const suspended = await command(de, own.id, 'suspend', 'policy-officer', 'partner under review');
    expect(suspended).toMatchObject({ status: 200, body: { state: 'suspended', effectiveState: 'suspended', suspendedBy: { name: OFFICER_NAMES[0] } } });

    const [greenId, clearId] = await publish(nl, [green('sent-while-de-suspended'), { ...green('sent-while-de-suspended-clear'), tlp: 'clear' }]);
    // Both bundles (de-bka's own chain, and the community chain) arrive and are recorded, every entry rejected.
    for (const audience of [B, 'all']) {
      const id = audience === B ? greenId : clearId;
      const bundle = await eventually(`${B} to record nl-police's ${audience} bundle carrying ${id}`, async () => {
        for (const b of (await inbound(de, A, audience)).reverse()) {
          const d = (await de.api('GET', `/bundles/${b.hash}/decisions`, { role: 'auditor' })).body;
          if (d.items.some((i: { originId: string }) => i.originId === id)) return d;
        }
        return undefined;
      });
      expect(bundle.direction).toBe('in');
      for (const item of bundle.items) {
        // Decided under the suspended agreement, which is on record as the one that said no.
        expect(item, `${audience} entry ${item.originId}`).toMatchObject({ action: 'reject', agreementId: own.id });
        expect(item.reasons).toContain('baseline.agreement-not-active');
        for (const r of item.reasons) expect(r).toMatch(/^baseline\./);
      }
    }
    expect(await holds(de, greenId!)).toBe(false);
    expect(await holds(de, clearId!)).toBe(false);
    expect(await keptFrom(de, A)).toEqual(keptBefore);

    // Four-eyes on the way back: not the officer who suspended.
    expect(await command(de, own.id, 'resume', 'policy-officer')).toMatchObject({ status: 403, body: { error: { code: 'AGREEMENT_FOUR_EYES' } } });
    expect((await agreement(de, own.id)).state).toBe('suspended');
    expect(await command(de, own.id, 'resume', 'policy-officer-2', 'review closed')).toMatchObject({ status: 200, body: { state: 'active' } });
    const [after] = await publish(nl, [green('sent-after-de-resumed')]);
    await eventually(`${B} to import ${after} after the resume`, () => holds(de, after!));
    expect(await keptFrom(de, A)).toEqual([...keptBefore, after!].sort());
  });
});

describe('nl-police suspends its agreement with de-bka while publishing', () => {
  let agreementId: string;
  let duringSuspension: string[] = [];

  it('stops export at once: from the moment the call returns no bundle on de-bka’s chain is published, and de-bka receives nothing newer', async () => {
    agreementId = (await currentAgreement(nl, B)).id;
    const stream = publishContinuously(nl, (n) => green(`stream-${n}-${Date.now()}`), 40);
    try {
      // Let the stream run: several bundles reach de-bka before the suspension.
      await eventually('a few streamed bundles on de-bka', async () => stream.published.length >= 10 && (await holds(de, stream.published[5]!.id)));
      const suspended = await command(nl, agreementId, 'suspend', 'policy-officer-2', 'data breach at partner');
      const returnedAt = Date.now();
      expect(suspended).toMatchObject({ status: 200, body: { state: 'suspended', suspendedBy: { name: OFFICER_NAMES[1] } } });
      const publishedAtReturn = (await outbound(nl, B)).filter((b) => b.publishedAt !== null);
      // The stream goes on for at least 3 s and 20 indicators after the suspension (a loaded machine posts slowly).
      await new Promise((r) => setTimeout(r, 3_000));
      await eventually('20 indicators published during the suspension', async () => stream.published.filter((p) => p.at > returnedAt).length > 20);
      const all = await stream.stop();
      duringSuspension = all.filter((p) => p.at > returnedAt).map((p) => p.id);
      expect(duringSuspension.length).toBeGreaterThan(20);

      const publishedLater = (await outbound(nl, B)).filter((b) => b.publishedAt !== null);
      expect(publishedLater.map((b) => b.hash)).toEqual(publishedAtReturn.map((b) => b.hash));
      for (const b of publishedLater) expect(Date.parse(b.publishedAt!), `${b.hash} published`).toBeLessThanOrEqual(returnedAt);
      const head = publishedAtReturn.at(-1)!;
      // de-bka gets exactly what was published before, and nothing of what came after.
      await eventually(`${B} to hold nl-police's chain up to seq ${head.seq}`, async () => (await inbound(de, A, B)).at(-1)?.seq === head.seq);
      expect((await inbound(de, A, B)).map((b) => b.hash)).toEqual(publishedLater.map((b) => b.hash));
      for (const id of duringSuspension) expect(await holds(de, id), id).toBe(false);
    } finally {
      await stream.stop();
    }
  });

  it('is resumed only by another officer (403 for the suspender), and then de-bka receives what was published during the suspension', async () => {
    expect(await command(nl, agreementId, 'resume', 'policy-officer-2')).toMatchObject({ status: 403, body: { error: { code: 'AGREEMENT_FOUR_EYES' } } });
    expect((await agreement(nl, agreementId)).state).toBe('suspended');
    expect(await command(nl, agreementId, 'resume', 'policy-officer', 'breach contained')).toMatchObject({ status: 200, body: { state: 'active', effectiveState: 'active' } });
    for (const id of duringSuspension) await eventually(`${B} to receive ${id} after the resume`, () => holds(de, id), 60_000);
    // The chain continued without a gap.
    const chain = await inbound(de, A, B);
    chain.forEach((b, i) => expect(b.seq).toBe(i + 1));
  });

  it('terminate is final: no resume (409), nothing more on de-bka’s chain, and the history names every officer', async () => {
    const terminated = await command(nl, agreementId, 'terminate', 'policy-officer', 'agreement ended by treaty');
    expect(terminated).toMatchObject({ status: 200, body: { state: 'terminated', effectiveState: 'terminated' } });
    for (const cmd of ['resume', 'approve', 'suspend'] as const) {
      expect(await command(nl, agreementId, cmd, 'policy-officer-2'), cmd).toMatchObject({ status: 409, body: { error: { code: 'AGREEMENT_STATE_CONFLICT' } } });
    }
    const chainBefore = (await outbound(nl, B)).map((b) => b.hash);
    const [afterEnd, clearMarker] = await publish(nl, [green('after-termination'), { ...green('after-termination-clear'), tlp: 'clear' }]);
    await eventually(`${C} to import the marker`, () => holds(us, clearMarker!));
    await eventually(`${B} to import the clear marker (community chain)`, () => holds(de, clearMarker!));
    expect((await outbound(nl, B)).map((b) => b.hash)).toEqual(chainBefore);
    expect(await holds(de, afterEnd!)).toBe(false);

    const shown = await agreement(nl, agreementId);
    const history = shown.history!.map((h) => [h.action, h.actor?.name ?? null]);
    expect(history).toEqual([
      ['agreement.created', OFFICER_NAMES[0]],
      ['agreement.approve', OFFICER_NAMES[1]],
      ['agreement.suspend', OFFICER_NAMES[1]],
      ['agreement.resume', OFFICER_NAMES[0]],
      ['agreement.terminate', OFFICER_NAMES[0]],
    ]);
    const times = shown.history!.map((h) => Date.parse(h.at));
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
    expect(JSON.stringify(shown.history)).toContain('data breach at partner');
  });
});

describe('a new agreement for the same partner supersedes the current one', () => {
  it('approving a narrower agreement with us-hsi marks the first superseded and export follows the new terms', async () => {
    const first = await currentAgreement(nl, C);
    const narrower = await draft(nl, C, { types: ['email'], maxTlp: 'green' }, 'policy-officer-2');
    expect(await command(nl, narrower.id, 'approve', 'policy-officer')).toMatchObject({ status: 200, body: { state: 'active' } });
    expect((await agreement(nl, first.id)).state).toBe('superseded');
    const [email, keyword, amberEmail] = await publish(nl, [
      { type: 'email', value: 'narrow.terms@example.org', tlp: 'green', confidence: 80 },
      green('not-an-agreed-type'),
      { type: 'email', value: 'amber.narrow@example.org', tlp: 'amber', confidence: 80 },
    ]);
    // One POST, one export pass: once the email is there, the other two would be too.
    await eventually(`${C} to import the email`, () => holds(us, email!));
    expect(await holds(us, keyword!)).toBe(false);
    expect(await holds(us, amberEmail!)).toBe(false);
    const reasons = async (id: string) => (await nl.api('GET', `/indicators/${id}`, { role: 'auditor' })).body.exportDecisions.find((d: { audience: string }) => d.audience === C);
    expect(await reasons(keyword!)).toMatchObject({ action: 'withhold', reasons: ['baseline.type-not-agreed'], agreementId: narrower.id });
    expect(await reasons(amberEmail!)).toMatchObject({ action: 'withhold', reasons: ['baseline.tlp-above-agreement'], agreementId: narrower.id });
  });
});
