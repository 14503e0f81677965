import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISPUTE_RESOLUTION_SPEC, SIGHTING_SPEC, type FeedbackMessage } from '@palermo/bundles';
import { v7 as uuidv7 } from 'uuid';
import { loadNodeKeys, type NodeKeys } from '../../apps/node/src/keys/node-keys';
import { command, currentAgreement, holds, publish } from './support/agreements.probes';
import { bootFederation, eventually, type ApiAnswer, type Federation, type TestNode } from './support/federation.harness';
import { injectFeedback, quarantinedFeedback, replayNewestFeedback } from './support/feedback.wire';
import { RawNatsClient } from './support/hostile.nats-wire';

// Issue 5 item 3 over the real nats-server: sightings and disputes of nl-police's indicators travel
// from de-bka back to nl-police as signed feedback, and the resolution travels back to de-bka.
// us-hsi has an agreement with nl-police for phone numbers only, so nl-police's e-mail indicators
// never reach it: its feedback about them is hostile. nl-police's URLs reach us-hsi only through
// de-bka (onward agreements for URLs): us-hsi's feedback about those stays home (provenance).
// Every answer is checked for 5xx.

const NL = 'nl-police';
const DE = 'de-bka';
const US = 'us-hsi';

let fed: Federation;
let [nl, de, us]: TestNode[] = [];
let nats: RawNatsClient;
let usKeys: NodeKeys;
// Injected feedback is encrypted to its recipient, as an honest sender's is: what is checked is what follows.
let toNl: { encryptTo: NodeKeys['publicKey'] };
let toDe: { encryptTo: NodeKeys['publicKey'] };
const serverErrors: string[] = [];

beforeAll(async () => {
  fed = await bootFederation([
    { nodeId: NL, jurisdiction: 'NL', agreements: [{ partner: DE, terms: { onward: true } }, { partner: US, terms: { types: ['phone'] } }] },
    { nodeId: DE, jurisdiction: 'DE', agreements: [{ partner: NL, terms: { onward: true } }, { partner: US, terms: { onward: true, types: ['url'] } }] },
    { nodeId: US, jurisdiction: 'US', agreements: [{ partner: NL, terms: { types: ['phone'] } }, { partner: DE, terms: { onward: true, types: ['url'] } }] },
  ]);
  [nl, de, us] = [NL, DE, US].map((id) => fed.node(id));
  nats = await RawNatsClient.connect(fed.nats.url);
  usKeys = await loadNodeKeys(us.dataDir);
  toNl = { encryptTo: (await loadNodeKeys(nl.dataDir)).publicKey };
  toDe = { encryptTo: (await loadNodeKeys(de.dataDir)).publicKey };
}, 240_000);

afterAll(async () => {
  await nats?.close();
  await fed?.stop();
});

async function call(node: TestNode, method: string, path: string, opts: Parameters<TestNode['api']>[2] = {}): Promise<ApiAnswer> {
  const res = await node.api(method, path, opts);
  if (res.status >= 500) serverErrors.push(`${node.nodeId} ${method} ${path} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  return res;
}

/** nl-police publishes a green e-mail indicator and de-bka holds it; its id. */
async function sharedWithDe(value: string): Promise<string> {
  const [id] = await publish(nl, [{ type: 'email', value, tlp: 'green', confidence: 70, tags: ['ht:recruitment'] }]);
  await eventually(`${DE} to hold ${value}`, () => holds(de, id!));
  return id!;
}

/** nl-police's GET /indicators/:id/feedback. */
async function feedbackAtNl(id: string): Promise<any> {
  const res = await call(nl, 'GET', `/indicators/${id}/feedback`, { role: 'auditor' });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** Audit entries of one action about one subject on `node`. */
async function audited(node: TestNode, action: string, subjectId: string): Promise<any[]> {
  const res = await call(node, 'GET', `/audit?action=${action}&subjectId=${subjectId}`, { role: 'auditor' });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items;
}

const sight = (id: string, body: object) => call(de, 'POST', `/indicators/${id}/sightings`, { body });
const dispute = (id: string, body: object, role: 'analyst' | 'auditor' | 'admin' = 'analyst') => call(de, 'POST', `/indicators/${id}/disputes`, { body, role });

describe('sightings travel to the origin', () => {
  it("a sighting on de-bka of nl-police's indicator is counted per partner on nl-police; the note stays home", async () => {
    const id = await sharedWithDe('seen-abroad@example.org');
    const recorded = await sight(id, { count: 3, firstSeen: '2026-11-01', lastSeen: '2026-11-03T10:00:00Z', note: 'ad on a German site' });
    expect(recorded.status, JSON.stringify(recorded.body)).toBe(201);
    expect(recorded.body.feedback).toMatchObject({ sentTo: NL, state: expect.stringMatching(/^(queued|sent)$/) });
    const view = await eventually(`${NL} to count ${DE}'s sighting`, async () => ((await feedbackAtNl(id)).partnerSightings.length > 0 ? feedbackAtNl(id) : null));
    expect(view.partnerSightings).toEqual([
      { partner: DE, sightings: 1, totalCount: 3, firstSeen: '2026-11-01T00:00:00.000Z', lastSeen: '2026-11-03T10:00:00.000Z', lastReceivedAt: expect.any(String), afterRevocation: 0 },
    ]);
    expect(view).toMatchObject({ indicator: { id, origin: NL, own: true }, localSightings: { sightings: 0, totalCount: 0 }, actions: [{ action: 'update' }, { action: 'revoke' }] });
    expect(JSON.stringify(view)).not.toContain('German site');
    const status = await call(nl, 'GET', `/partners/${DE}/status`, { role: 'auditor' });
    expect(status.body.feedback.sightingsReceived).toEqual({ sightings: 1, totalCount: 3 });
    expect(await audited(nl, 'feedback.sighting-received', id)).toHaveLength(1);
    expect(await audited(de, 'feedback.sighting-sent', recorded.body.id)).toHaveLength(1);
    const shown = await eventually(`${DE} to show the sighting as sent`, async () => {
      const [s] = (await call(de, 'GET', `/indicators/${id}/sightings`)).body.items;
      return s?.feedback?.state === 'sent' ? s : null;
    });
    expect(shown.feedback).toMatchObject({ sentTo: NL, sentAt: expect.any(String) });
    // Own indicators stay local: nl-police's own sighting has no feedback.
    const local = await call(nl, 'POST', `/indicators/${id}/sightings`, { body: { count: 1 } });
    expect(local).toMatchObject({ status: 201, body: { feedback: null } });
    expect((await feedbackAtNl(id)).localSightings).toEqual({ sightings: 1, totalCount: 1 });
  }, 90_000);

  it('a duplicate delivery of the same sighting counts once', async () => {
    const id = await sharedWithDe('replayed@example.org');
    expect((await sight(id, { count: 2 })).status).toBe(201);
    await eventually('the first sighting counted', async () => ((await feedbackAtNl(id)).partnerSightings[0]?.sightings === 1 ? true : null));
    // The newest message from de-bka on nl-police's stream is that sighting (the tests run one at a time).
    const replayed = await replayNewestFeedback(nats, NL, DE);
    // The stream is read in order: once the next sighting is counted, the replay was handled.
    await sight(id, { count: 5 });
    const counted = await eventually('the second sighting counted', async () => {
      const [p] = (await feedbackAtNl(id)).partnerSightings;
      return p?.totalCount >= 7 ? p : null;
    });
    expect(counted).toMatchObject({ partner: DE, sightings: 2, totalCount: 7 });
    // Handled as the duplicate it is: applied nothing, and not refused either.
    expect(await quarantinedFeedback(nl, replayed)).toBeUndefined();
  }, 90_000);

  it('recorded while NATS is down, the sighting is delivered once NATS is back (outbox)', async () => {
    const id = await sharedWithDe('while-down@example.org');
    await fed.nats.kill('SIGKILL');
    let recorded: ApiAnswer;
    try {
      recorded = await sight(id, { count: 4 });
      expect(recorded.status, JSON.stringify(recorded.body)).toBe(201);
      expect(recorded.body.feedback).toEqual({ sentTo: NL, state: 'queued' });
    } finally {
      await fed.nats.restart();
      // The raw client does not reconnect by itself: the hostile cases below need a live one.
      await nats.close().catch(() => undefined);
      nats = await RawNatsClient.connect(fed.nats.url);
    }
    await eventually(`${NL} to count the sighting made while NATS was down`, async () => ((await feedbackAtNl(id)).partnerSightings[0]?.totalCount === 4 ? true : null), 90_000);
    await eventually(`${DE} to show it sent`, async () => ((await call(de, 'GET', `/indicators/${id}/sightings`)).body.items[0]?.feedback?.state === 'sent' ? true : null));
  }, 150_000);
});

describe('disputes travel to the origin, and the resolution back', () => {
  let id: string;
  let disputeId: string;

  it('a dispute on de-bka reaches nl-police as open', async () => {
    id = await sharedWithDe('disputed@example.org');
    const opened = await dispute(id, { kind: 'wrong-tags', reason: 'This is a labour case,\r\nnot recruitment.', suggestedTags: ['ht:labour'] });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    expect(opened.body).toMatchObject({ direction: 'out', state: 'open', disputer: DE, indicator: { origin: NL, id }, version: 1, kind: 'wrong-tags', reason: 'This is a labour case,\nnot recruitment.', suggestedTags: ['ht:labour'], createdBy: { name: 'e2e analyst' } });
    disputeId = opened.body.id;
    const atNl = await eventually(`${NL} to receive the dispute`, async () => {
      const res = await call(nl, 'GET', `/disputes/${disputeId}`, { role: 'auditor' });
      return res.status === 200 ? res.body : null;
    });
    expect(atNl).toMatchObject({ id: disputeId, direction: 'in', state: 'open', disputer: DE, indicator: { origin: NL, id }, kind: 'wrong-tags', suggestedTags: ['ht:labour'], resolution: null, createdBy: null });
    const listed = await call(nl, 'GET', `/disputes?direction=in&state=open&indicator=${id}`);
    expect(listed.body.items.map((d: { id: string }) => d.id)).toEqual([disputeId]);
    expect((await feedbackAtNl(id)).disputes).toMatchObject({ open: 1, accepted: 0, rejected: 0, items: [{ id: disputeId }] });
  }, 90_000);

  it('nl-police rejects it once; de-bka sees the state and the note', async () => {
    expect(await call(de, 'POST', `/disputes/${disputeId}/resolve`, { body: { state: 'accepted', note: 'mine' } })).toMatchObject({ status: 409, body: { error: { code: 'DISPUTE_NOT_INCOMING' } } });
    expect(await call(nl, 'POST', `/disputes/${disputeId}/resolve`, { role: 'auditor', body: { state: 'rejected', note: 'x' } })).toMatchObject({ status: 403 });
    const resolved = await call(nl, 'POST', `/disputes/${disputeId}/resolve`, { role: 'policy-officer', body: { state: 'rejected', note: 'Two sources confirm recruitment.' } });
    expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
    expect(resolved.body).toMatchObject({ state: 'rejected', resolution: { note: 'Two sources confirm recruitment.', by: { name: 'e2e policy-officer' } }, delivery: { to: DE }, followUp: expect.stringContaining('changes nothing by itself') });
    expect(await call(nl, 'POST', `/disputes/${disputeId}/resolve`, { role: 'analyst', body: { state: 'accepted', note: 'changed my mind' } })).toMatchObject({ status: 409, body: { error: { code: 'DISPUTE_ALREADY_RESOLVED' } } });
    const atDe = await eventually(`${DE} to learn the resolution`, async () => {
      const res = await call(de, 'GET', `/disputes/${disputeId}`);
      return res.body.state !== 'open' ? res.body : null;
    });
    expect(atDe).toMatchObject({ direction: 'out', state: 'rejected', resolution: { note: 'Two sources confirm recruitment.', by: null }, delivery: { to: NL, state: 'sent' } });
    expect((await feedbackAtNl(id)).disputes).toMatchObject({ open: 0, rejected: 1 });
    expect(await audited(nl, 'feedback.dispute-received', disputeId)).toHaveLength(1);
    expect(await audited(nl, 'dispute.resolved', disputeId)).toMatchObject([{ actor: { name: 'e2e policy-officer' }, details: { state: 'rejected', delivery: 'queued' } }]);
    expect(await audited(de, 'feedback.dispute-sent', disputeId)).toHaveLength(1);
    expect(await audited(de, 'feedback.dispute-resolution-received', disputeId)).toHaveLength(1);
  }, 90_000);

  it('an accepted dispute is followed by an update through the usual endpoint', async () => {
    const other = await sharedWithDe('false-positive@example.org');
    const opened = await dispute(other, { kind: 'false-positive', reason: 'A pharmacy uses this address.' });
    expect(opened.status).toBe(201);
    await eventually(`${NL} to receive it`, async () => ((await call(nl, 'GET', `/disputes/${opened.body.id}`)).status === 200 ? true : null));
    const accepted = await call(nl, 'POST', `/disputes/${opened.body.id}/resolve`, { body: { state: 'accepted', note: 'Revoking it.' } });
    expect(accepted).toMatchObject({ status: 200, body: { state: 'accepted' } });
    expect((await call(nl, 'POST', `/indicators/${other}/revoke`, { body: { reason: 'false positive (dispute accepted)' } })).status).toBe(200);
    await eventually(`${DE} to see accepted`, async () => ((await call(de, 'GET', `/disputes/${opened.body.id}`)).body.state === 'accepted' ? true : null));
    expect((await feedbackAtNl(other)).actions).toEqual([]);
  }, 90_000);

  it('the resolution still reaches the disputer after the origin suspended the agreement (it answers its own dispute)', async () => {
    const other = await sharedWithDe('answered-after-suspension@example.org');
    const opened = await dispute(other, { kind: 'other', reason: 'Looks stale since October.' });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    await eventually(`${NL} to receive it`, async () => ((await call(nl, 'GET', `/disputes/${opened.body.id}`)).status === 200 ? true : null));
    const agreement = await currentAgreement(nl, DE);
    expect((await command(nl, agreement.id, 'suspend', 'policy-officer', 'e2e: answer after suspension')).status).toBe(200);
    try {
      const resolved = await call(nl, 'POST', `/disputes/${opened.body.id}/resolve`, { body: { state: 'rejected', note: 'Still in use:\r\nsee case 17.' } });
      expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
      expect(resolved.body).toMatchObject({ state: 'rejected', resolution: { note: 'Still in use:\nsee case 17.' }, delivery: { to: DE, state: expect.stringMatching(/^(queued|sent)$/) } });
      const atDe = await eventually(`${DE} to learn the resolution`, async () => {
        const res = await call(de, 'GET', `/disputes/${opened.body.id}`);
        return res.body.state !== 'open' ? res.body : null;
      });
      expect(atDe).toMatchObject({ state: 'rejected', resolution: { note: 'Still in use:\nsee case 17.' } });
      expect(await audited(nl, 'dispute.resolved', opened.body.id)).toMatchObject([{ details: { delivery: 'queued' } }]);
    } finally {
      expect((await command(nl, agreement.id, 'resume', 'policy-officer-2')).status).toBe(200);
    }
  }, 90_000);
});

describe('a relayed indicator (nl-police → de-bka → us-hsi): feedback goes only where the origin sent it', () => {
  let id: string;

  beforeAll(async () => {
    [id] = (await publish(nl, [{ type: 'url', value: 'https://relayed-ad.example.org/listing/17', tlp: 'green', confidence: 70, tags: ['ht:recruitment'] }])) as [string];
    const atUs = await eventually(`${US} to hold ${id} through ${DE}`, async () => {
      const res = await call(us, 'GET', `/indicators/${id}`, { role: 'auditor' });
      return res.status === 200 ? res.body : null;
    });
    // us-hsi has an agreement with nl-police in effect (import, phones): only provenance keeps its feedback home.
    expect(atUs.indicator).toMatchObject({ id, origin: NL, own: false, relayedBy: DE });
  }, 90_000);

  it("us-hsi's sighting stays local with FEEDBACK_NOT_FROM_ORIGIN; de-bka's (which nl-police sent it to) is counted", async () => {
    const kept = await call(us, 'POST', `/indicators/${id}/sightings`, { body: { count: 2 } });
    expect(kept.status, JSON.stringify(kept.body)).toBe(201);
    expect(kept.body.feedback).toEqual({ sentTo: NL, state: 'not-sent', reason: 'FEEDBACK_NOT_FROM_ORIGIN' });
    expect(await audited(us, 'feedback.sighting-sent', kept.body.id)).toEqual([]);
    expect((await sight(id, { count: 1 })).status).toBe(201);
    // nl-police's stream is read in order per sender; de-bka's sighting counted means nothing from us-hsi is on the way.
    const view = await eventually(`${NL} to count ${DE}'s sighting`, async () => ((await feedbackAtNl(id)).partnerSightings.length > 0 ? feedbackAtNl(id) : null));
    expect(view.partnerSightings.map((p: { partner: string }) => p.partner)).toEqual([DE]);
  }, 90_000);

  it("us-hsi's dispute is refused (409 FEEDBACK_NOT_FROM_ORIGIN) and nothing is stored", async () => {
    const refused = await call(us, 'POST', `/indicators/${id}/disputes`, { body: { kind: 'false-positive', reason: 'A parked domain.' } });
    expect(refused, JSON.stringify(refused.body)).toMatchObject({ status: 409, body: { error: { code: 'FEEDBACK_NOT_FROM_ORIGIN' } } });
    expect((await call(us, 'GET', `/disputes?indicator=${id}`)).body.items).toEqual([]);
    expect((await feedbackAtNl(id)).disputes).toMatchObject({ open: 0, accepted: 0, rejected: 0 });
  }, 30_000);
});

describe('hostile feedback is quarantined with its code and changes nothing', () => {
  let id: string;
  const sighting = (from: string, indicatorId: string): FeedbackMessage => ({
    spec: SIGHTING_SPEC,
    id: uuidv7(),
    from,
    to: NL,
    at: new Date().toISOString(),
    indicator: { origin: NL, id: indicatorId },
    count: 99,
    firstSeen: '2026-11-01T00:00:00.000Z',
    lastSeen: '2026-11-02T00:00:00.000Z',
  });

  beforeAll(async () => {
    id = await sharedWithDe('hostile-target@example.org');
    expect(await holds(us, id)).toBe(false);
  }, 90_000);

  it.each([
    ["signed with us-hsi's key on de-bka's subject", () => injectFeedback(nats, NL, DE, sighting(DE, id), usKeys.privateKey, toNl), /^FEEDBACK_SIGN(ER_MISMATCH|ATURE_INVALID)$/],
    ['us-hsi naming de-bka as the sender', () => injectFeedback(nats, NL, US, sighting(DE, id), usKeys.privateKey, toNl), /^FEEDBACK_SENDER_MISMATCH$/],
    ['about an indicator never shared with us-hsi', () => injectFeedback(nats, NL, US, sighting(US, id), usKeys.privateKey, toNl), /^FEEDBACK_NOT_SHARED_WITH_SENDER$/],
    ['about an indicator nl-police does not have', () => injectFeedback(nats, NL, US, sighting(US, uuidv7()), usKeys.privateKey, toNl), /^FEEDBACK_UNKNOWN_INDICATOR$/],
  ])('%s', async (_name, inject, code) => {
    const sha = await inject();
    const record = await eventually(`${NL} to quarantine it`, () => quarantinedFeedback(nl, sha));
    expect(record.code).toMatch(code);
    expect((await feedbackAtNl(id)).partnerSightings).toEqual([]);
  }, 60_000);

  it('a resolution of a dispute de-bka never opened with that origin is quarantined on de-bka', async () => {
    const opened = await dispute(id, { kind: 'other', reason: 'Looks stale.' });
    expect(opened.status).toBe(201);
    const forged: FeedbackMessage = { spec: DISPUTE_RESOLUTION_SPEC, id: uuidv7(), from: US, to: DE, at: new Date().toISOString(), disputeId: opened.body.id, indicator: { origin: NL, id }, state: 'accepted', note: 'not mine to answer' };
    const sha = await injectFeedback(nats, DE, US, forged, usKeys.privateKey, toDe);
    const record = await eventually(`${DE} to quarantine it`, () => quarantinedFeedback(de, sha));
    expect(record.code).toBe('FEEDBACK_UNKNOWN_DISPUTE');
    expect((await call(de, 'GET', `/disputes/${opened.body.id}`)).body.state).toBe('open');
  }, 60_000);
});

describe('HTTP input', () => {
  let id: string;
  beforeAll(async () => {
    id = await sharedWithDe('http-input@example.org');
  }, 90_000);

  it.each([
    ['an unknown kind', { kind: 'spam', reason: 'x' }],
    ['no reason', { kind: 'other' }],
    ['a blank reason', { kind: 'other', reason: '   ' }],
    ['an oversize reason', { kind: 'other', reason: 'x'.repeat(2001) }],
    ['a reason with a bidi override', { kind: 'other', reason: 'see \u202Etxt.exe' }],
    ['a reason with a NUL', { kind: 'other', reason: 'a\u0000b' }],
    ['a reason with a terminal escape', { kind: 'other', reason: 'a\u001b[2Jb' }],
    ['a reason with a C1 control', { kind: 'other', reason: 'a\u0085b' }],
    ['a reason with a bidi isolate', { kind: 'other', reason: 'a\u2066b\u2069' }],
    ['a reason with a lone surrogate', { kind: 'other', reason: 'a\ud800b' }],
    ['a reason of line breaks only', { kind: 'other', reason: '\r\n\r\n' }],
    ['suggestedTags on a false positive', { kind: 'false-positive', reason: 'x', suggestedTags: ['ht:labour'] }],
    ['empty suggestedTags on kind other', { kind: 'other', reason: 'x', suggestedTags: [] }],
    ['33 suggestedTags', { kind: 'wrong-tags', reason: 'x', suggestedTags: Array.from({ length: 33 }, (_, i) => `ht:t${i}`) }],
    ['a malformed tag', { kind: 'wrong-tags', reason: 'x', suggestedTags: ['Not A Tag'] }],
    ['an unknown field', { kind: 'other', reason: 'x', origin: 'us-hsi' }],
    ['an array body', [{ kind: 'other', reason: 'x' }]],
  ])('refuses a dispute with %s (400 VALIDATION_FAILED, before signing or the store) and stores nothing', async (_name, body) => {
    const res = await dispute(id, body);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect((await call(de, 'GET', `/disputes?indicator=${id}`)).body.items).toEqual([]);
  });

  it('refuses malformed JSON, unknown ids, own indicators, wrong roles and bad resolutions', async () => {
    expect(await call(de, 'POST', `/indicators/${id}/disputes`, { rawBody: '{"kind": "other", "reason": ' })).toMatchObject({ status: 400, body: { error: { code: 'MALFORMED_JSON' } } });
    expect(await dispute(uuidv7(), { kind: 'other', reason: 'x' })).toMatchObject({ status: 404, body: { error: { code: 'INDICATOR_NOT_FOUND' } } });
    expect(await dispute('not-a-uuid', { kind: 'other', reason: 'x' })).toMatchObject({ status: 400 });
    expect(await call(nl, 'POST', `/indicators/${id}/disputes`, { body: { kind: 'other', reason: 'x' } })).toMatchObject({ status: 422, body: { error: { code: 'DISPUTE_OWN_INDICATOR' } } });
    expect(await dispute(id, { kind: 'other', reason: 'x' }, 'auditor')).toMatchObject({ status: 403 });
    expect(await call(de, 'GET', `/disputes`, { role: null })).toMatchObject({ status: 401 });
    expect(await call(de, 'GET', `/disputes/${uuidv7()}`)).toMatchObject({ status: 404, body: { error: { code: 'DISPUTE_NOT_FOUND' } } });
    expect(await call(de, 'GET', `/disputes?cursor=bogus`)).toMatchObject({ status: 400, body: { error: { code: 'INVALID_CURSOR' } } });
    expect(await call(de, 'GET', `/disputes?state=closed`)).toMatchObject({ status: 400 });
    expect(await call(nl, 'POST', `/disputes/${uuidv7()}/resolve`, { body: { state: 'accepted', note: 'x' } })).toMatchObject({ status: 404 });
    expect(await call(nl, 'POST', `/disputes/${uuidv7()}/resolve`, { body: { state: 'open', note: 'x' } })).toMatchObject({ status: 400 });
    for (const note of ['x'.repeat(2001), 'a\u202eb', 'a\u009bb', '\r\n', 'a\u0000b']) {
      expect(await call(nl, 'POST', `/disputes/${uuidv7()}/resolve`, { body: { state: 'accepted', note } })).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    }
    expect(await call(nl, 'GET', `/indicators/${uuidv7()}/feedback`)).toMatchObject({ status: 404 });
  });

  it('refuses a dispute of a revoked indicator', async () => {
    const gone = await sharedWithDe('revoked-then-disputed@example.org');
    expect((await call(nl, 'POST', `/indicators/${gone}/revoke`, { body: { reason: 'reassigned' } })).status).toBe(200);
    await eventually(`${DE} to learn the revocation`, async () => ((await call(de, 'GET', `/indicators/${gone}`, { role: 'auditor' })).body.indicator?.revokedAt ? true : null));
    expect(await dispute(gone, { kind: 'other', reason: 'x' })).toMatchObject({ status: 409, body: { error: { code: 'INDICATOR_REVOKED' } } });
  }, 90_000);
});

describe('without an agreement in effect', () => {
  it('de-bka keeps its sighting local and refuses a dispute, saying why', async () => {
    const id = await sharedWithDe('after-suspension@example.org');
    const agreement = await currentAgreement(de, NL);
    expect((await command(de, agreement.id, 'suspend', 'policy-officer', 'e2e: feedback without agreement')).status).toBe(200);
    const kept = await sight(id, { count: 1 });
    expect(kept).toMatchObject({ status: 201, body: { feedback: { sentTo: NL, state: 'not-sent', reason: 'FEEDBACK_NOT_AGREED' } } });
    expect(await dispute(id, { kind: 'other', reason: 'x' })).toMatchObject({ status: 409, body: { error: { code: 'FEEDBACK_NOT_AGREED' } } });
    expect((await call(de, 'GET', `/disputes?indicator=${id}`)).body.items).toEqual([]);
  }, 90_000);
});

it('never answered with a server error', () => {
  expect(serverErrors).toEqual([]);
});
