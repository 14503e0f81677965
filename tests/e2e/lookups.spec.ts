import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateNodeKey, readPrivateKey, type NodePrivateKey } from '@palermo/bundles';
import { LookupChannel, NatsConnection, lookupSubject } from '@palermo/federation';
import { blind, finalize, lookupInput, LOOKUP_MATCH_SPEC, LOOKUP_REQUEST_SPEC, parseServerKey, prfOutput, type LookupMatch, type LookupRequest } from '@palermo/lookups';
import { v7 as uuidv7 } from 'uuid';
import { sealLookup } from '../../apps/node/src/lookups/lookup.envelope';
import { bootFederation, eventually, type Federation, type TestNode } from './support/federation.harness';
import { dumpAllRows } from './support/lookups.stored-rows';

// Issue 5 item 4 with real nodes: nl-police asks "do you know this?" without showing the value
// (RFC 9497 OPRF). de-bka holds the value → hit with a reference; a value it does not hold → no-hit,
// and nothing of the missed value stays anywhere in de-bka's database. Lookups are allowed per
// agreement (lookups, types, purposes), rate-limited per partner (429 + Retry-After), and the
// responder refuses hostile, malformed, oversize, replayed and unmatched messages with codes.
const A = 'nl-police';
const B = 'de-bka';
const C = 'us-hsi';

const HELD = 'Recruiter.Anna@Example.ORG';
const HELD_NORMALIZED = 'recruiter.anna@example.org';
const MISSED = 'Never.Seen.Person@Example.ORG';
const MISSED_NORMALIZED = 'never.seen.person@example.org';

let fed: Federation;
let nl: TestNode;
let de: TestNode;
let us: TestNode;
let heldId: string;
let nlKey: NodePrivateKey;

beforeAll(async () => {
  fed = await bootFederation([
    { nodeId: A, jurisdiction: 'NL', agreements: [{ partner: B, terms: { lookups: true } }, { partner: C, terms: { lookups: true } }] },
    // de-bka answers nl-police's lookups for investigation and intelligence; us-hsi's agreement does not allow lookups.
    { nodeId: B, jurisdiction: 'DE', agreements: [{ partner: A, terms: { lookups: true } }, { partner: C, terms: { lookups: false } }], env: { PALERMO_LOOKUP_RATE_PER_MINUTE: '200', PALERMO_LOOKUP_TABLE_IDLE_MS: '100', PALERMO_LOOKUP_MATCH_WINDOW_MS: '3000' } },
    // us-hsi answers nl-police for phones only, two a minute; it has no agreement with de-bka at all.
    { nodeId: C, jurisdiction: 'US', agreements: [{ partner: A, terms: { lookups: true, types: ['phone', 'email'], purposes: ['investigation'] } }], env: { PALERMO_LOOKUP_RATE_PER_MINUTE: '2', PALERMO_LOOKUP_TABLE_IDLE_MS: '100' } },
  ]);
  [nl, de, us] = [fed.node(A), fed.node(B), fed.node(C)];
  nlKey = await readPrivateKey(readFileSync(join(nl.dataDir, 'keys', 'node-private.asc'), 'utf8'));
  const made = await de.api('POST', '/indicators', { body: { indicators: [{ type: 'email', value: HELD_NORMALIZED, tlp: 'green', confidence: 80, tags: ['ht:recruitment'] }] } });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  heldId = made.body.items[0].id;
  await tableComplete(de);
  await tableComplete(us);
}, 240_000);

afterAll(async () => {
  await fed?.stop();
});

/** Waits until the node's active lookup epoch has every indicator change in its table. */
async function tableComplete(node: TestNode, epoch?: number): Promise<void> {
  await eventually(`${node.nodeId}'s lookup table complete`, async () => {
    const health = await node.api('GET', '/health', { role: 'admin' });
    const epochs = (health.body.lookups?.epochs ?? []) as { epoch: number; state: string; builtSeq: string; headSeq: string }[];
    return epochs.some((e) => e.state === 'active' && e.builtSeq === e.headSeq && (epoch === undefined || e.epoch === epoch));
  });
}

const lookup = (node: TestNode, body: object, role: 'analyst' | 'admin' = 'analyst') => node.api('POST', '/lookups', { role, body });

describe('hit and no-hit', () => {
  it('a value de-bka holds is a hit with a reference to the matched record; the value is normalized like indicators', async () => {
    const res = await lookup(nl, { type: 'email', value: HELD, partners: [B], purpose: 'investigation' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.results).toEqual([expect.objectContaining({ partner: B, result: 'hit', reference: `${B}:${heldId}` })]);
  });

  it('a value de-bka does not hold is a no-hit, and nothing of it stays in de-bka’s database', async () => {
    const res = await lookup(nl, { type: 'email', value: MISSED, partners: [B], purpose: 'investigation' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.results).toEqual([expect.objectContaining({ partner: B, result: 'no-hit' })]);
    expect(res.body.results[0].reference).toBeUndefined();

    // The PRF output of the missed value under de-bka's key: what de-bka could brute-force from, had it kept it.
    const key = parseServerKey(readFileSync(join(de.dataDir, 'keys', 'lookup', 'epoch-1.key'), 'utf8').trim());
    if (!key.ok) throw new Error(key.message);
    const input = lookupInput({ type: 'email', value: MISSED_NORMALIZED });
    if (!input.ok) throw new Error(input.message);
    const missedOutput = prfOutput(key.key, input.input);
    const needles = [
      MISSED,
      MISSED_NORMALIZED,
      'never.seen.person',
      createHash('sha256').update(MISSED_NORMALIZED).digest('hex'),
      createHash('sha256').update(MISSED).digest('hex'),
      Buffer.from(MISSED_NORMALIZED).toString('hex'),
      missedOutput,
    ];
    const rows = await dumpAllRows(de);
    expect(rows.length).toBeGreaterThan(10);
    const leaks = rows.filter((r) => needles.some((n) => r.row.toLowerCase().includes(n.toLowerCase())));
    expect(leaks).toEqual([]);
    // The held value is in de-bka's tables (its own indicator), so the dump does see values.
    expect(rows.some((r) => r.row.includes(HELD_NORMALIZED))).toBe(true);
    // Nor in its logs.
    const log = de.process.output().toLowerCase();
    for (const n of needles) expect(log.includes(n.toLowerCase()), n).toBe(false);
    // Both sides audited the lookup: who, type, purpose, result — never the value.
    const asked = await nl.api('GET', '/audit?action=lookup.asked', { role: 'auditor' });
    expect(asked.body.items.some((e: any) => e.details.partner === B && e.details.result === 'no-hit' && e.details.type === 'email')).toBe(true);
    const answered = await de.api('GET', '/audit?action=lookup.answered', { role: 'auditor' });
    expect(answered.body.items.some((e: any) => e.details.requester === A && e.details.result === 'no-hit' && e.details.purpose === 'investigation')).toBe(true);
    expect(answered.body.items.some((e: any) => e.details.result === 'hit' && e.details.reference === `${B}:${heldId}`)).toBe(true);
  });

  it('what de-bka receives on its lookup subject carries neither the value, nor its normalized form, nor its hash', async () => {
    const side = new NatsConnection({ natsUrl: fed.nats.url, name: 'e2e-lookup-wiretap' });
    side.start();
    try {
      const client = await side.connected(15_000);
      const sub = client.subscribe(lookupSubject(B));
      await client.flush();
      const seen: string[] = [];
      const reading = (async () => {
        for await (const m of sub) seen.push(Buffer.from(m.data).toString('utf8'));
      })();
      const other = 'Wiretap.Target@Example.ORG';
      const res = await lookup(nl, { type: 'email', value: other, partners: [B], purpose: 'investigation' });
      expect(res.body.results[0].result).toBe('no-hit');
      await eventually('request and match seen', async () => seen.length >= 2);
      sub.unsubscribe();
      await reading;
      const norm = 'wiretap.target@example.org';
      for (const n of [other, norm, 'wiretap.target', createHash('sha256').update(norm).digest('hex')]) expect(seen.join('\n').toLowerCase()).not.toContain(n.toLowerCase());
      // Two lookups of the same value do not look alike on the wire: a fresh blind each time.
      const again = await lookup(nl, { type: 'email', value: other, partners: [B], purpose: 'investigation' });
      expect(again.body.results[0].result).toBe('no-hit');
    } finally {
      await side.close();
    }
  });

  it('with no partners named, asks every pinned partner whose agreement allows the lookup', async () => {
    const res = await lookup(nl, { type: 'email', value: HELD, purpose: 'investigation' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const partners = res.body.results.map((r: any) => r.partner).sort();
    expect(partners).toEqual([B, C]);
    expect(res.body.results.find((r: any) => r.partner === B).result).toBe('hit');
    expect(res.body.results.find((r: any) => r.partner === C).result).toBe('no-hit');
  });

  it('only analysts may ask, and the body is strict', async () => {
    expect((await lookup(nl, { type: 'email', value: HELD, partners: [B], purpose: 'investigation' }, 'admin')).status).toBe(403);
    expect((await lookup(nl, { type: 'email', value: HELD, partners: [B], purpose: 'curiosity' })).status).toBe(400);
    expect((await lookup(nl, { type: 'email', value: HELD, partners: [B], purpose: 'investigation', extra: 1 })).status).toBe(400);
    expect((await lookup(nl, { type: 'email', value: 'not an address', partners: [B], purpose: 'investigation' })).status).toBe(400);
    const unknown = await lookup(nl, { type: 'email', value: HELD, partners: ['fr-police'], purpose: 'investigation' });
    expect(unknown.body.results[0]).toMatchObject({ result: 'refused', reason: 'LOOKUP_PARTNER_UNKNOWN' });
  });
});

describe('agreements decide', () => {
  it('refuses a purpose the agreement does not name', async () => {
    const res = await lookup(nl, { type: 'email', value: HELD, partners: [B], purpose: 'prevention' });
    expect(res.body.results[0]).toMatchObject({ partner: B, result: 'refused', reason: 'LOOKUP_PURPOSE_NOT_AGREED' });
  });

  it('refuses a type the agreement does not name', async () => {
    const res = await lookup(nl, { type: 'keyword', value: 'loverboy', partners: [C], purpose: 'investigation' });
    expect(res.body.results[0]).toMatchObject({ partner: C, result: 'refused', reason: 'LOOKUP_TYPE_NOT_AGREED' });
  });

  it('refuses a partner whose agreement does not allow lookups, and one without any agreement', async () => {
    const notAgreed = await lookup(us, { type: 'email', value: HELD, partners: [B], purpose: 'investigation' });
    expect(notAgreed.body.results[0]).toMatchObject({ partner: B, result: 'refused', reason: 'LOOKUP_NOT_AGREED' });
    const none = await lookup(de, { type: 'email', value: HELD, partners: [C], purpose: 'investigation' });
    expect(none.body.results[0]).toMatchObject({ partner: C, result: 'refused', reason: 'LOOKUP_NO_AGREEMENT' });
    const refused = await de.api('GET', '/audit?action=lookup.refused', { role: 'auditor' });
    expect(refused.body.items.some((e: any) => e.details.requester === C && e.details.code === 'LOOKUP_NOT_AGREED')).toBe(true);
  });
});

describe('the responder over raw NATS', () => {
  let asNl: NatsConnection;
  let thief: NatsConnection;
  let channel: LookupChannel;
  let thiefChannel: LookupChannel;
  const ask = async (bytes: Uint8Array, via: LookupChannel = channel) => JSON.parse(Buffer.from(await via.request(B, bytes, 10_000)).toString('utf8'));
  const request = (over: Partial<LookupRequest> = {}): LookupRequest => {
    const input = lookupInput({ type: 'email', value: HELD_NORMALIZED });
    if (!input.ok) throw new Error(input.message);
    return { spec: LOOKUP_REQUEST_SPEC, requester: A, responder: B, type: 'email', blindedElement: blind(input.input).blindedElement, purpose: 'investigation', requestId: uuidv7(), at: new Date().toISOString(), ...over };
  };

  beforeAll(async () => {
    // Replies in nl-police's inbox namespace, as nl-police's own would be (the harness's nats-server has no per-node permissions).
    asNl = new NatsConnection({ natsUrl: fed.nats.url, name: 'e2e-lookup-as-nl', inboxPrefix: `_INBOX.${A}` });
    thief = new NatsConnection({ natsUrl: fed.nats.url, name: 'e2e-lookup-thief', inboxPrefix: `_INBOX.${C}` });
    asNl.start();
    thief.start();
    await asNl.connected(15_000);
    await thief.connected(15_000);
    channel = new LookupChannel(asNl);
    thiefChannel = new LookupChannel(thief);
  });

  afterAll(async () => {
    await asNl?.close();
    await thief?.close();
  });

  it('evaluates a genuine request, matches once, and refuses the same match again', async () => {
    const input = lookupInput({ type: 'email', value: HELD_NORMALIZED });
    if (!input.ok) throw new Error(input.message);
    const b = blind(input.input);
    const req = request({ blindedElement: b.blindedElement });
    const response = await ask(await sealLookup(A, req, nlKey));
    expect(response.spec).toBe('palermo/lookup-response@1');
    const out = finalize(input.input, b.blind, response.evaluatedElement);
    if (!out.ok) throw new Error(out.message);
    const match: LookupMatch = { spec: LOOKUP_MATCH_SPEC, requestId: req.requestId, prfOutput: out.prfOutput, keyEpoch: response.keyEpoch };
    expect(await ask(await sealLookup(A, match, nlKey))).toMatchObject({ hit: true, reference: `${B}:${heldId}` });
    expect(await ask(await sealLookup(A, match, nlKey))).toMatchObject({ spec: 'palermo/lookup-refusal@1', code: 'LOOKUP_REQUEST_UNKNOWN' });
  });

  it('refuses a match for a requestId it never evaluated, and one for another key epoch', async () => {
    const unknown: LookupMatch = { spec: LOOKUP_MATCH_SPEC, requestId: uuidv7(), prfOutput: 'ab'.repeat(64), keyEpoch: 1 };
    expect(await ask(await sealLookup(A, unknown, nlKey))).toMatchObject({ code: 'LOOKUP_REQUEST_UNKNOWN' });
    const req = request();
    const response = await ask(await sealLookup(A, req, nlKey));
    const wrongEpoch: LookupMatch = { spec: LOOKUP_MATCH_SPEC, requestId: req.requestId, prfOutput: 'ab'.repeat(64), keyEpoch: response.keyEpoch + 7 };
    expect(await ask(await sealLookup(A, wrongEpoch, nlKey))).toMatchObject({ code: 'LOOKUP_EPOCH_MISMATCH' });
  });

  it('refuses a replayed request', async () => {
    const bytes = await sealLookup(A, request(), nlKey);
    expect((await ask(bytes)).spec).toBe('palermo/lookup-response@1');
    expect(await ask(bytes)).toMatchObject({ code: 'LOOKUP_REPLAYED' });
  });

  it('refuses a genuine request sent by somebody whose inbox is not nl-police’s', async () => {
    expect(await ask(await sealLookup(A, request(), nlKey), thiefChannel)).toMatchObject({ code: 'LOOKUP_REPLY_NOT_REQUESTER' });
  });

  it('refuses requests signed by another key, from strangers, stale, or not addressed to it', async () => {
    const usKey = await readPrivateKey(readFileSync(join(us.dataDir, 'keys', 'node-private.asc'), 'utf8'));
    expect(await ask(await sealLookup(A, request(), usKey))).toMatchObject({ code: 'LOOKUP_SIGNATURE_INVALID' });
    const stranger = await generateNodeKey({ nodeId: 'zz-stranger', jurisdiction: 'FR' });
    expect(await ask(await sealLookup('zz-stranger', request({ requester: 'zz-stranger' }), await readPrivateKey(stranger.armoredPrivateKey)))).toMatchObject({ code: 'LOOKUP_UNKNOWN_REQUESTER' });
    expect(await ask(await sealLookup(A, request({ at: new Date(Date.now() - 3_600_000).toISOString() }), nlKey))).toMatchObject({ code: 'LOOKUP_STALE' });
    expect(await ask(await sealLookup(A, request({ responder: C }), nlKey))).toMatchObject({ code: 'LOOKUP_NOT_ADDRESSED' });
    expect(await ask(await sealLookup(A, request({ requester: C }), nlKey))).toMatchObject({ code: 'LOOKUP_REQUEST_MALFORMED' });
  });

  it('refuses malformed, oversize and hostile bytes with codes', async () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(await ask(enc('x'.repeat(5000)))).toMatchObject({ code: 'LOOKUP_MESSAGE_OVERSIZE' });
    expect(await ask(enc('{not json'))).toMatchObject({ code: 'LOOKUP_MESSAGE_MALFORMED_JSON' });
    expect(await ask(new Uint8Array([0xff, 0xfe, 0x00]))).toMatchObject({ code: 'LOOKUP_MESSAGE_MALFORMED_JSON' });
    expect(await ask(enc('{"spec":"palermo/bundle@1"}'))).toMatchObject({ code: 'LOOKUP_SPEC_UNKNOWN' });
    expect(await ask(enc(JSON.stringify({ spec: 'palermo/lookup-signed@1', requester: A, message: {}, signature: 'x', extra: 1 })))).toMatchObject({ code: 'LOOKUP_ENVELOPE_MALFORMED' });
    expect(await ask(enc(JSON.stringify({ spec: 'palermo/lookup-signed@1', requester: A, message: { ...request(), blindedElement: 'zz' }, signature: 'x' })))).toMatchObject({ code: 'LOOKUP_REQUEST_MALFORMED' });
    expect(await ask(enc(JSON.stringify({ spec: 'palermo/lookup-signed@1', requester: A, message: request(), signature: 'not a signature' })))).toMatchObject({ code: 'LOOKUP_SIGNATURE_INVALID' });
    expect(await ask(enc(JSON.stringify({ spec: 'palermo/lookup-signed@1', requester: A, message: { spec: LOOKUP_MATCH_SPEC, requestId: 'x' }, signature: 'x' })))).toMatchObject({ code: 'LOOKUP_MATCH_MALFORMED' });
    // The identity element (RFC 9497 §3.3: must be refused), correctly signed.
    expect(await ask(await sealLookup(A, request({ blindedElement: '00'.repeat(32) }), nlKey))).toMatchObject({ code: 'LOOKUP_ELEMENT_INVALID' });
    // Still answering afterwards.
    expect((await ask(await sealLookup(A, request(), nlKey))).spec).toBe('palermo/lookup-response@1');
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After when every partner asked refuses for its rate limit', async () => {
    // us-hsi allows two a minute; earlier tests used at most one of nl-police's.
    let last = await lookup(nl, { type: 'phone', value: '+1 202 555 0143', partners: [C], purpose: 'investigation' });
    for (let i = 0; i < 3 && last.status === 200; i++) last = await lookup(nl, { type: 'phone', value: '+1 202 555 0143', partners: [C], purpose: 'investigation' });
    expect(last.status, JSON.stringify(last.body)).toBe(429);
    expect(last.body.error.code).toBe('LOOKUP_RATE_LIMITED');
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(last.body.error.details.results[0]).toMatchObject({ partner: C, result: 'refused', reason: 'LOOKUP_RATE_LIMITED' });
    // With another partner in the same lookup the answer is 200, the limited partner reported as refused.
    const mixed = await lookup(nl, { type: 'email', value: HELD, partners: [B, C], purpose: 'investigation' });
    expect(mixed.status).toBe(200);
    expect(mixed.body.results.find((r: any) => r.partner === C)).toMatchObject({ result: 'refused', reason: 'LOOKUP_RATE_LIMITED' });
  });
});

describe('key rotation', () => {
  it('starts a new epoch; the old one answers until the new table is complete, then the new one does', async () => {
    expect((await de.api('POST', '/lookups/key/rotate', { role: 'analyst' })).status).toBe(403);
    const rotated = await de.api('POST', '/lookups/key/rotate', { role: 'admin' });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(202);
    expect(rotated.body.epoch).toBe(2);
    const during = await lookup(nl, { type: 'email', value: HELD, partners: [B], purpose: 'investigation' });
    expect(during.body.results[0].result).toBe('hit');
    await tableComplete(de, 2);
    const after = await lookup(nl, { type: 'email', value: HELD, partners: [B], purpose: 'investigation' });
    expect(after.body.results[0]).toMatchObject({ result: 'hit', reference: `${B}:${heldId}` });
    // Once the match window has passed, the retired epoch's key is destroyed.
    await eventually('epoch 1 key destroyed', async () => !existsSync(join(de.dataDir, 'keys', 'lookup', 'epoch-1.key')));
    expect(existsSync(join(de.dataDir, 'keys', 'lookup', 'epoch-2.key'))).toBe(true);
  });

  it('a revoked indicator leaves the table: no longer a hit', async () => {
    const revoked = await de.api('POST', `/indicators/${heldId}/revoke`, { body: { reason: 'false positive' } });
    expect(revoked.status, JSON.stringify(revoked.body)).toBeLessThan(300);
    await tableComplete(de);
    const res = await lookup(nl, { type: 'email', value: HELD, partners: [B], purpose: 'investigation' });
    expect(res.body.results[0].result).toBe('no-hit');
  });
});

describe('a partner that does not answer', () => {
  it('is reported unreachable, not as a no-hit', async () => {
    await us.process.stop();
    const res = await lookup(nl, { type: 'email', value: HELD, partners: [C], purpose: 'investigation' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.results[0]).toMatchObject({ partner: C, result: 'unreachable', reason: 'LOOKUP_UNREACHABLE' });
    const asked = await nl.api('GET', '/audit?action=lookup.asked', { role: 'auditor' });
    expect(asked.body.items.some((e: any) => e.details.partner === C && e.details.result === 'unreachable')).toBe(true);
  });
});
