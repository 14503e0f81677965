import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCLOSURE_REQUEST_SPEC, encryptBundle, fingerprintOf, readPrivateKey, readPublicKey, signFeedback, type NodePrivateKey, type NodePublicKey } from '@palermo/bundles';
import { createHash } from 'node:crypto';
import { FeedbackChannel, NatsConnection } from '@palermo/federation';
import { v7 as uuidv7 } from 'uuid';
import { bootFederation, eventually, type Federation, type TestNode } from './support/federation.harness';

// Issue 5 item 5 with real nodes over nats-server: after a lookup hit, nl-police asks de-bka to
// disclose the matched indicator; the request reaches de-bka's policy officers (GET /disclosures
// ?direction=in&state=requested); a denial releases nothing; an approval releases exactly the
// matched indicator, in one bundle on de-bka → nl-police's chain, which nl-police imports as usual.
// de-bka's jurisdiction policy shares nothing automatically (no share permit), so whatever nl-police
// holds of de-bka's came through a disclosure — and de-bka holds other lookup-eligible indicators
// that must not leak.
const A = 'nl-police';
const B = 'de-bka';
const C = 'us-hsi';

/** de-bka keeps what partners send and answers lookups, but shares nothing by itself (descriptions may go with an approved release). */
const NO_SHARE_POLICY = [
  '@id("de.import")',
  'permit (principal, action == Palermo::Action::"import", resource);',
  '@id("de.import-raw")',
  'permit (principal, action == Palermo::Action::"importRaw", resource);',
  '@id("de.lookup")',
  'permit (principal, action == Palermo::Action::"lookup", resource);',
  // No `share` permit: an approval stands in for it. The free text of what is approved may go along.
  '@id("de.share-raw")',
  'permit (principal, action == Palermo::Action::"shareRaw", resource);',
  '',
].join('\n');

const VALUES = {
  denied: 'denied.target@example.org',
  approved: 'approved.target@example.org',
  other1: 'other.one@example.org',
  other2: 'other.two@example.org',
  red: 'red.target@example.org',
  revoked: 'revoked.target@example.org',
  hostile: 'hostile.target@example.org',
  strict: 'strict.target@example.org',
  imported: 'imported.target@example.org',
  refused: 'refused.target@example.org',
  withdrawn: 'withdrawn.target@example.org',
  race1: 'race.one@example.org',
  race2: 'race.two@example.org',
  race3: 'race.three@example.org',
};

let fed: Federation;
let nl: TestNode;
let de: TestNode;
let us: TestNode;
let nlKey: NodePrivateKey;
let deKey: NodePublicKey;
const ids: Record<string, string> = {};

beforeAll(async () => {
  const lookupEnv = { PALERMO_LOOKUP_RATE_PER_MINUTE: '200', PALERMO_LOOKUP_TABLE_IDLE_MS: '100' };
  fed = await bootFederation([
    // nl-police and de-bka agree on up to TLP:AMBER+STRICT (TLP:RED stays above the agreement). Each side keeps its
    // own copy of the terms: nl-police's also names prosecution, de-bka's does not.
    { nodeId: A, jurisdiction: 'NL', agreements: [{ partner: B, terms: { lookups: true, maxTlp: 'amber+strict', purposes: ['investigation', 'prosecution'] } }] },
    { nodeId: B, jurisdiction: 'DE', agreements: [{ partner: A, terms: { lookups: true, maxTlp: 'amber+strict' } }, { partner: C, terms: { lookups: true } }], env: lookupEnv },
    { nodeId: C, jurisdiction: 'US', agreements: [{ partner: B, terms: { lookups: true } }], env: lookupEnv },
  ]);
  [nl, de, us] = [fed.node(A), fed.node(B), fed.node(C)];
  nlKey = await readPrivateKey(readFileSync(join(nl.dataDir, 'keys', 'node-private.asc'), 'utf8'));
  deKey = await readPublicKey(readFileSync(join(de.dataDir, 'keys', 'node-public.asc'), 'utf8'));
  const policy = await de.api('PUT', '/policy', { role: 'policy-officer', body: { text: NO_SHARE_POLICY, comment: 'disclosure only' } });
  expect(policy.status, JSON.stringify(policy.body)).toBeLessThan(300);
  const own = (key: keyof typeof VALUES, extra: object = {}) => ({ type: 'email', value: VALUES[key], tlp: 'green', confidence: 80, tags: ['ht:recruitment'], ...extra });
  const made = await de.api('POST', '/indicators', {
    body: {
      indicators: [
        own('denied'),
        own('approved', { description: 'recruiter contact in three ads', tags: ['ht:recruitment', 'ht:labour'], confidence: 90, tlp: 'amber' }),
        own('other1'),
        own('other2'),
        own('red', { tlp: 'red' }),
        own('revoked'),
        own('hostile'),
        own('strict', { tlp: 'amber+strict' }),
        own('refused'),
        own('withdrawn'),
        own('race1'),
        own('race2'),
        own('race3'),
      ],
    },
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  (['denied', 'approved', 'other1', 'other2', 'red', 'revoked', 'hostile', 'strict', 'refused', 'withdrawn', 'race1', 'race2', 'race3'] as const).forEach((k, i) => (ids[k] = made.body.items[i].id));
  // us-hsi shares one indicator with de-bka (its default policy shares): de-bka holds it, but is not its origin.
  const theirs = await us.api('POST', '/indicators', { body: { indicators: [own('imported')] } });
  expect(theirs.status, JSON.stringify(theirs.body)).toBe(201);
  ids.imported = theirs.body.items[0].id;
  await eventually('de-bka imported us-hsi’s indicator', async () => (await de.api('GET', `/indicators/${ids.imported}`)).status === 200);
  await tableComplete(de);
}, 240_000);

afterAll(async () => {
  await fed?.stop();
});

async function tableComplete(node: TestNode): Promise<void> {
  await eventually(`${node.nodeId}'s lookup table complete`, async () => {
    const health = await node.api('GET', '/health', { role: 'admin' });
    const epochs = (health.body.lookups?.epochs ?? []) as { state: string; builtSeq: string; headSeq: string }[];
    return epochs.some((e) => e.state === 'active' && e.builtSeq === e.headSeq);
  });
}

/** nl-police (or `from`) looks `value` up at de-bka; returns the requestId of the hit. */
async function hit(value: string, from: TestNode = nl): Promise<string> {
  const res = await from.api('POST', '/lookups', { body: { type: 'email', value, partners: [B], purpose: 'investigation' } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  // disclosable: the hit was recorded here, so POST /disclosures can name it.
  expect(res.body.results[0], JSON.stringify(res.body)).toMatchObject({ result: 'hit', disclosable: true });
  return res.body.results[0].requestId;
}

const body = (lookupHit: string, extra: object = {}) => ({ lookupHit, purpose: 'investigation', legalBasis: 'Art. 126n Sv (production order)', caseReference: 'NL-2026-0042', ...extra });

/** Asks for a disclosure of a hit and waits until it is in de-bka's officers' queue. */
async function requestAndQueue(requestId: string): Promise<string> {
  const res = await nl.api('POST', '/disclosures', { body: body(requestId) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body).toMatchObject({ direction: 'out', partner: B, state: 'requested', lookupRequestId: requestId, purpose: 'investigation' });
  const id = res.body.id as string;
  await eventually(`disclosure ${id} in de-bka's queue`, async () => (await queue()).some((d: any) => d.id === id));
  return id;
}

async function queue(): Promise<any[]> {
  const res = await de.api('GET', '/disclosures?direction=in&state=requested&limit=1000', { role: 'policy-officer' });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items;
}

/** Every bundle de-bka ever stored to publish, and every bundle nl-police received from de-bka. */
async function released(): Promise<{ deOut: string[]; nlIn: string[] }> {
  const deOut = await de.api('GET', '/bundles?direction=out&limit=500', { role: 'auditor' });
  const nlIn = await nl.api('GET', `/bundles?direction=in&partner=${B}&limit=500`, { role: 'auditor' });
  return { deOut: deOut.body.items.map((b: any) => b.hash).sort(), nlIn: nlIn.body.items.map((b: any) => b.hash).sort() };
}

async function nlHolds(key: string): Promise<boolean> {
  return (await nl.api('GET', `/indicators/${ids[key]}`)).status === 200;
}

describe('deny', () => {
  it('reaches de-bka’s policy officers; a denial goes back with its reason and releases nothing', async () => {
    const before = await released();
    expect(before.nlIn).toEqual([]); // de-bka shares nothing by itself
    const requestId = await hit(VALUES.denied);
    const id = await requestAndQueue(requestId);
    const inQueue = (await queue()).find((d: any) => d.id === id);
    expect(inQueue).toMatchObject({ direction: 'in', partner: A, reference: `${B}:${ids.denied}`, legalBasis: 'Art. 126n Sv (production order)', caseReference: 'NL-2026-0042', purpose: 'investigation' });
    expect(inQueue).not.toHaveProperty('indicatorPk'); // an internal key of de-bka's database

    // Only a policy officer decides.
    expect((await de.api('POST', `/disclosures/${id}/deny`, { role: 'analyst', body: { reason: 'x' } })).status).toBe(403);
    const denied = await de.api('POST', `/disclosures/${id}/deny`, { role: 'policy-officer', body: { reason: 'no production order attached' } });
    expect(denied.status, JSON.stringify(denied.body)).toBe(200);
    expect(denied.body).toMatchObject({ state: 'denied', reason: 'no production order attached', released: null, delivery: { state: 'queued', reason: null } });
    const twice = await de.api('POST', `/disclosures/${id}/deny`, { role: 'policy-officer', body: { reason: 'again' } });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('DISCLOSURE_ALREADY_DECIDED');
    expect((await de.api('POST', `/disclosures/${id}/approve`, { role: 'policy-officer', body: { reason: 'changed my mind' } })).status).toBe(409);

    const seen = await eventually('nl-police sees the denial', async () => {
      const res = await nl.api('GET', `/disclosures/${id}`);
      return res.body.state === 'denied' ? res.body : null;
    });
    expect(seen).toMatchObject({ reason: 'no production order attached', released: null, imported: null });
    expect((await queue()).some((d: any) => d.id === id)).toBe(false);
    // Nothing was released: no new bundle on any of de-bka's chains, nothing arrived, nl-police holds nothing of de-bka's.
    expect(await released()).toEqual(before);
    expect(await nlHolds('denied')).toBe(false);
    // Both sides kept the trail.
    const audit = async (node: TestNode, action: string) => (await node.api('GET', `/audit?action=${action}&subjectId=${id}`, { role: 'auditor' })).body.items.length;
    expect(await audit(nl, 'disclosure.requested')).toBe(1);
    expect(await audit(de, 'disclosure.received')).toBe(1);
    expect(await audit(de, 'disclosure.denied')).toBe(1);
    expect(await audit(nl, 'disclosure.decision-received')).toBe(1);
  });
});

describe('approve', () => {
  it('releases exactly the matched indicator with its context, in one bundle nl-police imports', async () => {
    const before = await released();
    const requestId = await hit(VALUES.approved);
    const id = await requestAndQueue(requestId);
    expect((await de.api('POST', `/disclosures/${id}/approve`, { role: 'analyst', body: { reason: 'x' } })).status).toBe(403);
    expect((await de.api('POST', `/disclosures/${id}/approve`, { role: 'admin', body: { reason: 'x' } })).status).toBe(403);
    const approved = await de.api('POST', `/disclosures/${id}/approve`, { role: 'policy-officer', body: { reason: 'production order NL-2026-0042 checked' } });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body).toMatchObject({ state: 'approved', released: { indicator: { origin: B, id: ids.approved } } });
    const bundleHash = approved.body.released.bundleHash as string;
    const twice = await de.api('POST', `/disclosures/${id}/approve`, { role: 'policy-officer', body: { reason: 'again' } });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('DISCLOSURE_ALREADY_DECIDED');

    const seen = await eventually('nl-police imported the released indicator', async () => {
      const res = await nl.api('GET', `/disclosures/${id}`);
      return res.body.imported?.state === 'accept' ? res.body : null;
    });
    expect(seen).toMatchObject({ state: 'approved', reason: 'production order NL-2026-0042 checked', released: { bundleHash, indicator: { origin: B, id: ids.approved } } });

    // One new bundle on de-bka → nl-police's chain, with exactly one entry, decided as a disclosure.
    const after = await released();
    expect(after.deOut.filter((h) => !before.deOut.includes(h))).toEqual([bundleHash]);
    expect(after.nlIn.filter((h) => !before.nlIn.includes(h))).toEqual([bundleHash]);
    const summary = await de.api('GET', `/bundles/${bundleHash}`, { role: 'auditor' });
    expect(summary.body).toMatchObject({ audience: A, entryCount: 1, upsertCount: 1 });
    // TLP:AMBER to a partner's chain: it travelled encrypted only if the agreement asks; either way, the same bytes.
    const decisions = await de.api('GET', `/bundles/${bundleHash}/decisions`, { role: 'auditor' });
    expect(decisions.body.items ?? decisions.body).toEqual([expect.objectContaining({ audience: A, originId: ids.approved, action: 'share', reasons: [`disclosure:${id}`, 'de.share-raw'] })]);

    // nl-police holds it with its context, and nothing else of de-bka's.
    const held = await nl.api('GET', `/indicators/${ids.approved}`);
    expect(held.status).toBe(200);
    expect(held.body.indicator ?? held.body).toMatchObject({ origin: B, value: VALUES.approved, tlp: 'amber', confidence: 90, tags: expect.arrayContaining(['ht:labour', 'ht:recruitment']), description: 'recruiter contact in three ads' });
    for (const other of ['denied', 'other1', 'other2', 'red', 'revoked', 'hostile', 'strict']) expect(await nlHolds(other), other).toBe(false);

    const audit = async (node: TestNode, action: string) => (await node.api('GET', `/audit?action=${action}&subjectId=${id}`, { role: 'auditor' })).body.items.length;
    expect(await audit(de, 'disclosure.approved')).toBe(1);
    expect(await audit(nl, 'disclosure.decision-received')).toBe(1);
  });

  it('releases a TLP:AMBER+STRICT indicator only encrypted to nl-police, on the same chain', async () => {
    const id = await requestAndQueue(await hit(VALUES.strict));
    const approved = await de.api('POST', `/disclosures/${id}/approve`, { role: 'policy-officer', body: { reason: 'strict, for the case team only' } });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const bundleHash = approved.body.released.bundleHash as string;
    const summary = await de.api('GET', `/bundles/${bundleHash}`, { role: 'auditor' });
    expect(summary.body).toMatchObject({ audience: A, entryCount: 1 });
    expect(summary.body.encryptedTo).toEqual(expect.any(String));
    // The chain goes on from the previous release: seq/prev link to de-bka's last bundle for nl-police.
    expect(summary.body.seq).toBeGreaterThan(1);
    await eventually('nl-police imported the strict indicator', async () => (await nl.api('GET', `/disclosures/${id}`)).body.imported?.state === 'accept');
    expect((await nl.api('GET', `/indicators/${ids.strict}`)).body.indicator).toMatchObject({ tlp: 'amber+strict', value: VALUES.strict });
  });

  it('refuses approvals that would lift a forbid, release an indicator of another origin, or a revoked one — releasing nothing', async () => {
    const before = await released();
    // TLP:RED is above the agreement's highest TLP (AMBER): a baseline forbid no approval lifts.
    const red = await requestAndQueue(await hit(VALUES.red));
    const forbidden = await de.api('POST', `/disclosures/${red}/approve`, { role: 'policy-officer', body: { reason: 'ok' } });
    expect(forbidden.status, JSON.stringify(forbidden.body)).toBe(422);
    expect(forbidden.body.error.code).toBe('DISCLOSURE_POLICY_FORBIDS');
    expect(forbidden.body.error.message).toContain('baseline.tlp-above-agreement');
    // The hit on us-hsi's indicator: only its origin may release it.
    const theirs = await hit(VALUES.imported);
    const foreign = await requestAndQueue(theirs);
    const notOrigin = await de.api('POST', `/disclosures/${foreign}/approve`, { role: 'policy-officer', body: { reason: 'ok' } });
    expect(notOrigin.status, JSON.stringify(notOrigin.body)).toBe(422);
    expect(notOrigin.body.error.code).toBe('DISCLOSURE_NOT_ORIGIN');
    expect(notOrigin.body.error.message).toContain(C);
    // Revoked after the hit.
    const revokedHit = await hit(VALUES.revoked);
    expect((await de.api('POST', `/indicators/${ids.revoked}/revoke`, { body: { reason: 'wrong number' } })).status).toBe(200);
    const revoked = await requestAndQueue(revokedHit);
    const gone = await de.api('POST', `/disclosures/${revoked}/approve`, { role: 'policy-officer', body: { reason: 'ok' } });
    expect(gone.status, JSON.stringify(gone.body)).toBe(409);
    expect(gone.body.error.code).toBe('DISCLOSURE_INDICATOR_REVOKED');
    // Still waiting for a decision, and nothing left de-bka.
    const waiting = (await queue()).map((d: any) => d.id);
    expect(waiting).toEqual(expect.arrayContaining([red, foreign, revoked]));
    expect(await released()).toEqual(before);
    expect(await nlHolds('red')).toBe(false);
    // A denial still closes them.
    expect((await de.api('POST', `/disclosures/${red}/deny`, { role: 'policy-officer', body: { reason: 'TLP:RED stays here' } })).status).toBe(200);
  });
});

describe('bad input', () => {
  it('refuses an unknown hit, a no-hit, a duplicate request and a purpose the agreement does not name', async () => {
    const unknown = await nl.api('POST', '/disclosures', { body: body(uuidv7()) });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('DISCLOSURE_HIT_UNKNOWN');
    const miss = await nl.api('POST', '/lookups', { body: { type: 'email', value: 'never.held@example.org', partners: [B], purpose: 'investigation' } });
    expect(miss.body.results[0].result).toBe('no-hit');
    const noHit = await nl.api('POST', '/disclosures', { body: body(miss.body.results[0].requestId) });
    expect(noHit.status).toBe(404);
    expect(noHit.body.error.code).toBe('DISCLOSURE_HIT_UNKNOWN');

    const requestId = await hit(VALUES.other1);
    const purpose = await nl.api('POST', '/disclosures', { body: body(requestId, { purpose: 'prevention' }) });
    expect(purpose.status, JSON.stringify(purpose.body)).toBe(422);
    expect(purpose.body.error.code).toBe('DISCLOSURE_PURPOSE_NOT_AGREED');
    const first = await nl.api('POST', '/disclosures', { body: body(requestId) });
    expect(first.status).toBe(201);
    const duplicate = await nl.api('POST', '/disclosures', { body: body(requestId) });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.code).toBe('DISCLOSURE_ALREADY_REQUESTED');
    // Only analysts (and admins) ask; an auditor cannot.
    expect((await nl.api('POST', '/disclosures', { role: 'auditor', body: body(requestId) })).status).toBe(403);
    // nl-police cannot decide its own request, and de-bka has no such request of its own to decide.
    expect((await nl.api('POST', `/disclosures/${first.body.id}/approve`, { role: 'policy-officer', body: { reason: 'x' } })).status).toBe(404);
    expect((await de.api('POST', `/disclosures/${uuidv7()}/approve`, { role: 'policy-officer', body: { reason: 'x' } })).status).toBe(404);
    expect((await de.api('GET', `/disclosures/${uuidv7()}`, { role: 'auditor' })).status).toBe(404);
  });

  it.each([
    ['no body', undefined],
    ['an empty object', null],
    ['a lookupHit that is no uuid', { lookupHit: 'abc' }],
    ['an unknown purpose', { purpose: 'curiosity' }],
    ['an unknown field', { extra: 1 }],
    ['an empty legal basis', { legalBasis: '   ' }],
    ['a legal basis over 500 characters', { legalBasis: 'x'.repeat(501) }],
    ['a case reference over 200 characters', { caseReference: 'x'.repeat(201) }],
    ['a control character', { caseReference: 'NL\u0007-1' }],
    ['a C1 control character', { legalBasis: 'Art.\u0085 5' }],
    ['a 200 KB legal basis', { legalBasis: 'x'.repeat(200_000) }],
    ['a number for the case', { caseReference: 42 }],
  ])('POST /disclosures refuses %s with 400', async (_name, patch) => {
    const res = await nl.api('POST', '/disclosures', { body: patch === undefined ? undefined : patch === null ? {} : { ...body(uuidv7()), ...patch } });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
  });

  it('refuses malformed JSON, bad decision bodies, bad ids and bad list filters with 400', async () => {
    expect((await nl.api('POST', '/disclosures', { rawBody: '{"lookupHit":' })).status).toBe(400);
    const id = uuidv7();
    for (const b of [{}, { reason: '' }, { reason: 'x'.repeat(2001) }, { reason: 'ok', extra: true }]) {
      expect((await de.api('POST', `/disclosures/${id}/approve`, { role: 'policy-officer', body: b })).status, JSON.stringify(b)).toBe(400);
      expect((await de.api('POST', `/disclosures/${id}/deny`, { role: 'policy-officer', body: b })).status, JSON.stringify(b)).toBe(400);
    }
    expect((await de.api('POST', '/disclosures/not-a-uuid/approve', { role: 'policy-officer', body: { reason: 'x' } })).status).toBe(400);
    expect((await de.api('GET', '/disclosures/not-a-uuid', { role: 'auditor' })).status).toBe(400);
    expect((await de.api('GET', '/disclosures?direction=sideways', { role: 'auditor' })).status).toBe(400);
    expect((await de.api('GET', '/disclosures?limit=0', { role: 'auditor' })).status).toBe(400);
    expect((await de.api('GET', '/disclosures?cursor=bogus', { role: 'auditor' })).status).toBe(400);
  });
});

describe('hostile', () => {
  /** Publishes a disclosure request signed with nl-police's own key, past its API. */
  async function forge(lookupRequestId: string, reference: string): Promise<{ id: string; hash: string }> {
    const side = new NatsConnection({ natsUrl: fed.nats.url, name: 'e2e-disclosure-forger' });
    side.start();
    try {
      await side.connected(15_000);
      const id = uuidv7();
      const message = { spec: DISCLOSURE_REQUEST_SPEC, id, from: A, to: B, at: new Date().toISOString(), lookupRequestId, reference, purpose: 'investigation', legalBasis: 'none', caseReference: 'forged' } as const;
      const signed = await signFeedback(message, nlKey);
      // Encrypted to de-bka as nl-police's own node would send it (a message in clear is refused before its content counts).
      const payload = await encryptBundle(signed.bytes, deKey);
      await new FeedbackChannel(side).publish({ to: B, from: A, messageHash: signed.hash, payload, encryptedTo: fingerprintOf(deKey), signature: signed.signature, signerFingerprint: signed.signer });
      return { id, hash: createHash('sha256').update(payload).digest('hex') };
    } finally {
      await side.close();
    }
  }

  it('a request naming a lookup de-bka answered to ANOTHER requester, or never answered, is refused and releases nothing', async () => {
    const before = await released();
    // us-hsi's own hit on de-bka's indicator: nl-police learns its requestId somehow and claims it.
    const theirs = await hit(VALUES.hostile, us);
    const stolen = await forge(theirs, `${B}:${ids.hostile}`);
    const never = await forge(uuidv7(), `${B}:${ids.hostile}`);
    // A real hit of nl-police, but with another reference than the one it was given.
    const mine = await hit(VALUES.other2);
    const twisted = await forge(mine, `${B}:${ids.approved}`);
    for (const { id, hash } of [stolen, never, twisted]) {
      // The inbox quarantines a refused message (with its payload's hash) and audits it with the code.
      const code = await eventually(`de-bka refused ${id}`, async () => {
        const res = await de.api('GET', '/audit?action=feedback.refused&limit=1000', { role: 'auditor' });
        return res.body.items.find((e: any) => e.details.payloadSha256 === hash)?.details.code ?? null;
      });
      expect(code, id).toBe('DISCLOSURE_HIT_UNKNOWN');
      expect((await de.api('GET', `/disclosures/${id}`, { role: 'auditor' })).status).toBe(404);
    }
    const queued = (await queue()).map((d: any) => d.id);
    for (const { id } of [stolen, never, twisted]) expect(queued).not.toContain(id);
    expect(await released()).toEqual(before);
    expect(await nlHolds('hostile')).toBe(false);
  });
});

/** de-bka's bundles on its chain for nl-police, in seq order. */
async function chainToNl(): Promise<{ hash: string; seq: number; prev: string | null }[]> {
  const res = await de.api('GET', `/bundles?direction=out&partner=${A}&limit=500`, { role: 'auditor' });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body.items as any[]).filter((b) => b.audience === A).sort((a, b) => a.seq - b.seq);
}

describe('answered refusals and withdrawal', () => {
  it('a request de-bka refuses (purpose its copy of the agreement does not name) is answered; nl-police can ask again', async () => {
    const requestId = await hit(VALUES.refused);
    // nl-police's agreement names prosecution, so its API accepts the request.
    const asked = await nl.api('POST', '/disclosures', { body: body(requestId, { purpose: 'prosecution', legalBasis: 'Art. 5\r\nStPO' }) });
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    expect(asked.body.legalBasis).toBe('Art. 5\nStPO'); // CR LF from a Windows client, stored and signed as LF
    const closed = await eventually('nl-police sees the answered refusal', async () => {
      const res = await nl.api('GET', `/disclosures/${asked.body.id}`);
      return res.body.state === 'denied' ? res.body : null;
    });
    expect(closed.reason).toMatch(/^DISCLOSURE_PURPOSE_NOT_AGREED: /);
    expect(closed).toMatchObject({ released: null, imported: null });
    expect((await de.api('GET', `/audit?action=disclosure.refusal-answered&subjectId=${asked.body.id}`, { role: 'auditor' })).body.items).toHaveLength(1);
    expect((await queue()).some((d: any) => d.id === asked.body.id)).toBe(false);
    // The hit is free again: asked with a purpose both copies name, it reaches the officers.
    const again = await requestAndQueue(requestId);
    expect((await de.api('POST', `/disclosures/${again}/deny`, { role: 'policy-officer', body: { reason: 'not now' } })).status).toBe(200);
  });

  it('nl-police withdraws a waiting request; asking again while de-bka still has the first open is answered ALREADY_REQUESTED', async () => {
    const requestId = await hit(VALUES.withdrawn);
    const first = await requestAndQueue(requestId);
    // Only the asking side withdraws, only analysts and admins, only with a reason.
    expect((await nl.api('POST', `/disclosures/${first}/withdraw`, { role: 'auditor', body: { reason: 'x' } })).status).toBe(403);
    expect((await de.api('POST', `/disclosures/${first}/withdraw`, { body: { reason: 'x' } })).status).toBe(404);
    for (const b of [{}, { reason: '' }, { reason: 'x'.repeat(2001) }, { reason: 'ok', extra: 1 }, { reason: 'a\u202eb' }]) {
      expect((await nl.api('POST', `/disclosures/${first}/withdraw`, { body: b })).status, JSON.stringify(b)).toBe(400);
    }
    expect((await nl.api('POST', '/disclosures/not-a-uuid/withdraw', { body: { reason: 'x' } })).status).toBe(400);
    expect((await nl.api('POST', `/disclosures/${uuidv7()}/withdraw`, { body: { reason: 'x' } })).status).toBe(404);
    const withdrawn = await nl.api('POST', `/disclosures/${first}/withdraw`, { body: { reason: 'asked under the wrong case' } });
    expect(withdrawn.status, JSON.stringify(withdrawn.body)).toBe(200);
    expect(withdrawn.body).toMatchObject({ state: 'withdrawn', reason: 'asked under the wrong case' });
    const twice = await nl.api('POST', `/disclosures/${first}/withdraw`, { body: { reason: 'again' } });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('DISCLOSURE_ALREADY_DECIDED');
    expect((await nl.api('GET', '/disclosures?direction=out&state=withdrawn&limit=1000')).body.items.map((d: any) => d.id)).toContain(first);

    // de-bka was not told: its copy still waits, so a second request about the same hit is refused — and answered.
    const second = await nl.api('POST', '/disclosures', { body: body(requestId) });
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    const answered = await eventually('nl-police sees ALREADY_REQUESTED', async () => {
      const res = await nl.api('GET', `/disclosures/${second.body.id}`);
      return res.body.state === 'denied' ? res.body : null;
    });
    expect(answered.reason).toMatch(/^DISCLOSURE_ALREADY_REQUESTED: /);
    // de-bka's officer denies the first one later: nl-police keeps it withdrawn and the decision in its trail.
    expect((await de.api('POST', `/disclosures/${first}/deny`, { role: 'policy-officer', body: { reason: 'late' } })).status).toBe(200);
    await eventually('nl-police audited the late decision', async () => (await nl.api('GET', `/audit?action=disclosure.decision-after-withdrawal&subjectId=${first}`, { role: 'auditor' })).body.items.length === 1);
    expect((await nl.api('GET', `/disclosures/${first}`)).body.state).toBe('withdrawn');
  });
});

describe('concurrency', () => {
  it('two approvals at once, and an approval against a denial: exactly one wins, the other is 409, one bundle', async () => {
    const [r1, r2] = [await requestAndQueue(await hit(VALUES.race1)), await requestAndQueue(await hit(VALUES.race2))];
    const before = (await chainToNl()).length;
    const twice = await Promise.all([1, 2].map((n) => de.api('POST', `/disclosures/${r1}/approve`, { role: 'policy-officer', body: { reason: `officer ${n}` } })));
    expect(twice.map((r) => r.status).sort(), JSON.stringify(twice.map((r) => r.body))).toEqual([200, 409]);
    expect(twice.find((r) => r.status === 409)!.body.error.code).toBe('DISCLOSURE_ALREADY_DECIDED');
    const mixed = await Promise.all([
      de.api('POST', `/disclosures/${r2}/approve`, { role: 'policy-officer', body: { reason: 'yes' } }),
      de.api('POST', `/disclosures/${r2}/deny`, { role: 'policy-officer', body: { reason: 'no' } }),
    ]);
    expect(mixed.map((r) => r.status).sort(), JSON.stringify(mixed.map((r) => r.body))).toEqual([200, 409]);
    const r2State = (await de.api('GET', `/disclosures/${r2}`, { role: 'auditor' })).body.state;
    expect(r2State).toBe(mixed[0]!.status === 200 ? 'approved' : 'denied');
    // Exactly the winners' bundles were stored: one for r1, and one for r2 when its approval won.
    expect((await chainToNl()).length - before).toBe(r2State === 'approved' ? 2 : 1);
  });

  it('a release racing an export pass on the same chain keeps seq/prev contiguous, and an edit of a released indicator follows it', async () => {
    const r3 = await requestAndQueue(await hit(VALUES.race3));
    await eventually('nl-police holds race1', async () => nlHolds('race1'));
    // An edit of race1 (released above) makes a pass write its new version on nl-police's chain — under the standing
    // approval, not a withdrawal — while the approval of race3 wants the same chain.
    const [edit, approve] = await Promise.all([
      de.api('POST', '/indicators', { body: { indicators: [{ type: 'email', value: VALUES.race1, tlp: 'green', confidence: 95, tags: ['ht:recruitment'] }] } }),
      de.api('POST', `/disclosures/${r3}/approve`, { role: 'policy-officer', body: { reason: 'race three' } }),
    ]);
    expect(edit.status, JSON.stringify(edit.body)).toBe(201);
    expect(approve.status, JSON.stringify(approve.body)).toBe(200);
    const edited = await eventually('nl-police holds race1 version 2', async () => {
      const res = await nl.api('GET', `/indicators/${ids.race1}`);
      return res.status === 200 && (res.body.indicator ?? res.body).version === 2 ? res.body.indicator ?? res.body : null;
    });
    expect(edited).toMatchObject({ confidence: 95 });
    await eventually('nl-police imported race3', async () => (await nl.api('GET', `/disclosures/${r3}`)).body.imported?.state === 'accept');
    const chain = await chainToNl();
    chain.forEach((b, i) => {
      expect(b.seq, JSON.stringify(chain)).toBe(i + 1);
      expect(b.prev).toBe(i === 0 ? null : chain[i - 1]!.hash);
    });
    // nl-police took every bundle of that chain (nothing quarantined for a broken link).
    await eventually('nl-police received the whole chain', async () => {
      const got = await nl.api('GET', `/bundles?direction=in&partner=${B}&limit=500`, { role: 'auditor' });
      return chain.every((b) => got.body.items.some((x: any) => x.hash === b.hash));
    });
  });
});
