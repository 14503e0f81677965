import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateNodeKey, makeResyncRequest, readPrivateKey, resyncRequestBytes, type NodePrivateKey, type SignedResyncRequest } from '@palermo/bundles';
import { feedStreamName, NatsConnection, ResyncChannel, type ResyncAnswer } from '@palermo/federation';
import { bootFederation, eventually, type Federation, type TestNode } from './support/federation.harness';
import { runCli } from './support/cli.run';
import { listAll } from './support/hostile.node-io';

// Issue 4 item 5 with real nodes: the broker loses a message of nl-police's chain to de-bka; de-bka
// sees the gap at the next bundle, asks nl-police for what is missing over request-reply, runs each
// answer through its one import pipeline, and imports every bundle exactly once. nl-police answers
// only signed, fresh, addressed requests from pinned partners, into the requester's own inbox.
const A = 'nl-police';
const B = 'de-bka';
const C = 'us-hsi';

let fed: Federation;
let nl: TestNode;
let de: TestNode;
let us: TestNode;
let side: NatsConnection;

beforeAll(async () => {
  fed = await bootFederation([
    { nodeId: A, jurisdiction: 'NL' },
    { nodeId: B, jurisdiction: 'DE' },
    { nodeId: C, jurisdiction: 'US' },
  ]);
  [nl, de, us] = [fed.node(A), fed.node(B), fed.node(C)];
  // The broker operator's view (the harness's nats-server has no per-node permissions; deploy-nats.spec.ts proves those).
  side = new NatsConnection({ natsUrl: fed.nats.url, name: 'e2e-resync' });
  side.start();
});

afterAll(async () => {
  await side?.close();
  await fed?.stop();
});

interface Sent {
  hash: string;
  seq: number;
  streamSeq: number;
  id: string;
}

let counter = 0;
/** Publishes one indicator on nl-police; returns the bundle that carried it to `audience` once JetStream has it. */
async function publishOne(tlp: 'clear' | 'green', audience: string): Promise<Sent> {
  const before = new Set((await listAll(nl, '/bundles?direction=out')).map((b) => b.hash));
  const value = `resync-e2e-${++counter}-${Date.now()}`;
  const res = await nl.api('POST', '/indicators', { body: { indicators: [{ type: 'keyword', value, tlp, confidence: 90, tags: ['ht:recruitment'] }] } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const id = res.body.items[0].id as string;
  return eventually(`a published ${audience} bundle carrying ${value}`, async () => {
    const fresh = (await listAll(nl, '/bundles?direction=out')).filter((b) => !before.has(b.hash) && b.audience === audience && b.publishedAt);
    return fresh[0] ? { hash: fresh[0].hash, seq: fresh[0].seq, streamSeq: fresh[0].streamSeq, id } : undefined;
  });
}

/** The broker loses one message of nl-police's stream. */
async function lose(sent: Sent): Promise<void> {
  const jsm = await side.jetstreamManager(15_000);
  expect(await jsm.streams.deleteMessage(feedStreamName(A), sent.streamSeq)).toBe(true);
}

/** de-bka's view of nl-police's chain `audience`. */
async function inbound(audience: string) {
  const res = await de.api('GET', `/partners/${A}/status`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.inbound.find((c: { audience: string }) => c.audience === audience);
}

const stored = async (node: TestNode, hash: string) => (await node.api('GET', `/bundles/${hash}`)).status === 200;
const importsOf = async (hash: string) => (await listAll(de, '/audit?action=bundle.imported')).filter((e) => e.subjectId === hash);
const receiptsFromDe = async (hash: string) => ((await nl.api('GET', `/bundles/${hash}`)).body.receipts as { recipient: string; outcome: string }[]).filter((r) => r.recipient === B);

/** Every bundle stored once on de-bka, imported once (one audit entry, one receipt back to nl-police), its indicator at version 1. */
async function expectImportedOnce(sent: Sent[]): Promise<void> {
  const inboundHashes = (await listAll(de, '/bundles?direction=in')).map((b) => b.hash);
  for (const s of sent) {
    expect(inboundHashes.filter((h) => h === s.hash)).toHaveLength(1);
    expect(await importsOf(s.hash)).toHaveLength(1);
    const receipts = await eventually(`de-bka's receipt for ${s.hash}`, async () => {
      const list = await receiptsFromDe(s.hash);
      return list.length > 0 ? list : undefined;
    });
    expect(receipts).toEqual([expect.objectContaining({ recipient: B, outcome: 'imported' })]);
    const indicator = await de.api('GET', `/indicators/${s.id}`);
    expect(indicator.status).toBe(200);
    expect(indicator.body).toMatchObject({ indicator: { id: s.id, origin: A, version: 1 }, bundleHash: s.hash });
  }
}

describe('gap detection and resync', () => {
  it('a message lost from the stream is detected as a gap and healed by resync, nothing imported twice', async () => {
    await de.process.stop();
    const sent = [await publishOne('green', B), await publishOne('green', B), await publishOne('green', B)];
    await lose(sent[1]!);
    await de.process.restart();
    await eventually('de-bka holds all three bundles', async () => ((await Promise.all(sent.map((s) => stored(de, s.hash)))).every(Boolean) ? true : undefined));
    await expectImportedOnce(sent);
    expect(await inbound(B)).toMatchObject({ audience: B, state: 'ok', headSeq: sent[2]!.seq, headHash: sent[2]!.hash });
    // It was the resync that brought the lost one: de-bka healed, nl-police answered de-bka.
    const healed = await listAll(de, '/audit?action=resync.healed');
    expect(healed).toContainEqual(expect.objectContaining({ subjectId: `${A}/${B}`, details: expect.objectContaining({ fromSeq: sent[1]!.seq, toSeq: sent[1]!.seq, bundleHash: sent[2]!.hash }) }));
    const answered = await listAll(nl, '/audit?action=resync.answered');
    expect(answered.some((e) => e.details.requester === B && e.details.fromSeq === sent[1]!.seq && e.details.bundles === 1)).toBe(true);
    expect(await listAll(de, '/quarantine')).toEqual([]);
  });

  it('publisher down during a gap: de-bka waits (status gap, nothing acked, even across a crash) and heals once nl-police is back', async () => {
    await de.process.stop();
    const lost = await publishOne('green', B);
    const next = await publishOne('green', B);
    await lose(lost);
    await nl.process.stop();
    try {
      await de.process.restart();
      const waiting = await eventually('de-bka shows the gap', async () => {
        const chain = await inbound(B);
        return chain.state === 'gap' ? chain : undefined;
      });
      expect(waiting).toMatchObject({ missing: { fromSeq: lost.seq, toSeq: lost.seq } });
      expect(waiting.lastError).toMatch(/did not answer/);
      expect(await stored(de, next.hash)).toBe(false);
      expect(await listAll(de, '/quarantine')).toEqual([]);
      // A rebuild asked for now says so, and changes nothing.
      const rebuild = await de.api('POST', `/partners/${A}/resync`, { role: 'admin', body: { audience: B } });
      expect({ status: rebuild.status, code: rebuild.body.error?.code }).toEqual({ status: 504, code: 'RESYNC_UNREACHABLE' });
      // de-bka crashes while it waits: the revealing bundle was never acked, so it comes again and the wait resumes.
      await de.process.kill();
      await de.process.restart();
      await eventually('de-bka shows the gap again after its crash', async () => ((await inbound(B)).state === 'gap' ? true : undefined));
      expect(await stored(de, next.hash)).toBe(false);
    } finally {
      await nl.process.restart();
    }
    await eventually('de-bka heals after nl-police returns', async () => ((await stored(de, lost.hash)) && (await stored(de, next.hash)) ? true : undefined), 150_000);
    await expectImportedOnce([lost, next]);
    expect(await inbound(B)).toMatchObject({ state: 'ok', headSeq: next.seq });
    expect(await listAll(de, '/quarantine')).toEqual([]);
  });

  it('rebuild from scratch fetches the whole chain again, imports only what is missing, and a second run imports nothing', async () => {
    // A loss at the end of a chain: no later bundle reveals it, only a rebuild finds it.
    await de.process.stop();
    const tail = await publishOne('clear', 'all');
    await lose(tail);
    await de.process.restart();
    await eventually('de-bka is following again', async () => ((await de.api('GET', '/health', { role: 'auditor' })).status === 200 ? true : undefined));
    expect(await stored(de, tail.hash)).toBe(false);
    expect((await de.api('POST', `/partners/${A}/resync`, { body: { fromScratch: true } })).status).toBe(403); // analyst
    const first = await de.api('POST', `/partners/${A}/resync`, { role: 'policy-officer', body: { fromScratch: true } });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const all = first.body.chains.find((c: { audience: string }) => c.audience === 'all');
    expect(all).toMatchObject({ fromSeq: 1, headSeq: tail.seq, fetched: tail.seq, alreadyHad: tail.seq - 1, imported: 1, quarantined: 0 });
    const own = first.body.chains.find((c: { audience: string }) => c.audience === B);
    expect(own).toMatchObject({ fromSeq: 1, imported: 0, quarantined: 0 });
    expect(own.alreadyHad).toBe(own.fetched);
    await expectImportedOnce([tail]);
    // The second run, through the CLI: everything fetched is already here.
    const cli = await runCli(['partners', 'resync', A, '--from-scratch', '--json', '--api', de.url, '--token', de.tokens['policy-officer']]);
    expect(cli.code, cli.stderr).toBe(0);
    const second = JSON.parse(cli.stdout) as { chains: { audience: string; fetched: number; alreadyHad: number; imported: number; quarantined: number }[] };
    for (const chain of second.chains) expect(chain).toMatchObject({ imported: 0, quarantined: 0, alreadyHad: chain.fetched });
    expect(await importsOf(tail.hash)).toHaveLength(1);
    expect((await listAll(de, '/audit?action=resync.rebuilt')).length).toBe(2);
  });

  it('POST /partners/:id/resync refuses malformed, hostile and unknown input with codes', async () => {
    const post = (path: string, body: unknown) => de.api('POST', path, { role: 'policy-officer', body });
    const cases: [string, unknown, number, string][] = [
      [`/partners/${A}/resync`, { fromScratch: 'yes' }, 400, 'VALIDATION_FAILED'],
      [`/partners/${A}/resync`, { fromScratch: true, limit: 5 }, 400, 'VALIDATION_FAILED'],
      [`/partners/${A}/resync`, { audience: 'palermo.v1.>' }, 400, 'VALIDATION_FAILED'],
      [`/partners/${A}/resync`, { audience: C }, 400, 'RESYNC_AUDIENCE_INVALID'],
      ['/partners/zz-unknown/resync', {}, 404, 'PARTNER_NOT_FOUND'],
      ['/partners/NL..POLICE/resync', {}, 400, 'VALIDATION_FAILED'],
    ];
    for (const [path, body, status, code] of cases) {
      const res = await post(path, body);
      expect({ path, body, status: res.status, code: res.body.error?.code }).toEqual({ path, body, status, code });
    }
    const raw = await de.api('POST', `/partners/${A}/resync`, { role: 'policy-officer', rawBody: '{"fromScratch":' });
    expect(raw.status).toBe(400);
  });

  describe('nl-police refuses what it must not answer, with a specific code, and sends nothing', () => {
    let channel: ResyncChannel;
    let asDe: NatsConnection;
    let deKey: NodePrivateKey;
    let usKey: NodePrivateKey;

    beforeAll(async () => {
      // A connection whose replies land in de-bka's inbox namespace, as de-bka's own would.
      asDe = new NatsConnection({ natsUrl: fed.nats.url, name: 'e2e-resync-as-de', inboxPrefix: `_INBOX.${B}` });
      asDe.start();
      await asDe.connected(15_000);
      await side.connected(15_000);
      channel = new ResyncChannel(asDe);
      const keyOf = (node: TestNode) => readPrivateKey(readFileSync(join(node.dataDir, 'keys', 'node-private.asc'), 'utf8'));
      [deKey, usKey] = await Promise.all([keyOf(de), keyOf(us)]);
      await publishOne('green', B);
    });

    afterAll(async () => {
      await asDe?.close();
    });

    const ask = (payload: Uint8Array, via: ResyncChannel = channel): Promise<ResyncAnswer> => via.request(A, payload, 10_000);
    const request = (over: Partial<Parameters<typeof makeResyncRequest>[0]> = {}, key = deKey): Promise<SignedResyncRequest> =>
      makeResyncRequest({ requester: B, publisher: A, audience: B, fromSeq: 1, ...over }, key);

    async function expectRefused(answer: ResyncAnswer, code: string): Promise<void> {
      expect(answer).toMatchObject({ ok: false, code });
      expect('bundles' in answer).toBe(false);
      await eventually(`nl-police audits the ${code} refusal`, async () => ((await listAll(nl, '/audit?action=resync.refused')).some((e) => e.details.code === code) ? true : undefined));
    }

    it('answers a genuine request with bundles, and refuses the same request replayed', async () => {
      const genuine = resyncRequestBytes(await request());
      const answer = await ask(genuine);
      expect(answer).toMatchObject({ ok: true, publisher: A, audience: B });
      if (!answer.ok) throw new Error('unreachable');
      expect(answer.bundles.length).toBeGreaterThan(0);
      expect(answer.bundles.map((b) => b.seq)).toEqual(answer.bundles.map((_b, i) => i + 1));
      await expectRefused(await ask(genuine), 'RESYNC_REPLAYED');
    });

    it('refuses a node it has not pinned', async () => {
      const stranger = await generateNodeKey({ nodeId: 'zz-stranger', jurisdiction: 'FR' });
      const signed = await makeResyncRequest({ requester: 'zz-stranger', publisher: A, audience: 'all', fromSeq: 1 }, await readPrivateKey(stranger.armoredPrivateKey));
      await expectRefused(await ask(resyncRequestBytes(signed)), 'RESYNC_UNKNOWN_REQUESTER');
    });

    it('refuses a request in de-bka’s name signed by another key (us-hsi’s)', async () => {
      await expectRefused(await ask(resyncRequestBytes(await request({}, usKey))), 'RESYNC_SIGNATURE_INVALID');
    });

    it('refuses de-bka asking for another partner’s chain (us-hsi’s audience)', async () => {
      await expectRefused(await ask(resyncRequestBytes(await request({ audience: C }))), 'RESYNC_NOT_ADDRESSED');
    });

    it('refuses malformed and oversize requests', async () => {
      await expectRefused(await ask(new TextEncoder().encode('{"request":"everything"}')), 'RESYNC_MALFORMED');
      await expectRefused(await ask(new Uint8Array(64 * 1024).fill(0x7b)), 'RESYNC_OVERSIZE');
    });

    it('refuses a request made too long ago (a late replay, or a skewed clock)', async () => {
      await expectRefused(await ask(resyncRequestBytes(await request({ at: new Date(Date.now() - 3_600_000) }))), 'RESYNC_STALE');
    });

    it('refuses a genuine de-bka request sent by somebody else, whose inbox is not de-bka’s', async () => {
      const thief = new ResyncChannel(side);
      await expectRefused(await ask(resyncRequestBytes(await request()), thief), 'RESYNC_REPLY_NOT_REQUESTER');
    });
  });

  // Last: it rotates nl-police's key.
  it('after nl-police rotates and revokes its old key for compromise, a gap over a bundle the old key signed heals: the answer is re-signed by the current key', async () => {
    await de.process.stop();
    const lost = await publishOne('green', B);
    const oldFingerprint = (await nl.api('GET', `/bundles/${lost.hash}`)).body.signer as string;
    await lose(lost);
    const rotated = await nl.api('POST', '/keys/rotate', { role: 'admin' });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(201);
    const newFingerprint = rotated.body.newFingerprint as string;
    const revoked = await nl.api('POST', '/keys/revoke', { role: 'admin', body: { fingerprint: oldFingerprint, reason: 'key-compromise', compromisedAt: new Date().toISOString() } });
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(201);
    const next = await publishOne('green', B);
    await de.process.restart();
    await eventually('de-bka holds the lost bundle and the next', async () => ((await stored(de, lost.hash)) && (await stored(de, next.hash)) ? true : undefined));
    expect(await listAll(de, '/quarantine')).toEqual([]);
    // Same hash (same canonical bytes); the resynced copy names nl-police's current key, while nl-police's own record keeps what the live feed sent.
    expect((await de.api('GET', `/bundles/${lost.hash}`)).body.signer).toBe(newFingerprint);
    expect((await nl.api('GET', `/bundles/${lost.hash}`)).body.signer).toBe(oldFingerprint);
    expect(await inbound(B)).toMatchObject({ state: 'ok', headSeq: next.seq });
    // A rebuild from scratch re-verifies every earlier bundle the revoked key signed, and quarantines none.
    const rebuilt = await de.api('POST', `/partners/${A}/resync`, { role: 'policy-officer', body: { fromScratch: true } });
    expect(rebuilt.status, JSON.stringify(rebuilt.body)).toBe(200);
    for (const chain of rebuilt.body.chains) expect(chain).toMatchObject({ imported: 0, quarantined: 0, alreadyHad: chain.fetched, stopped: null });
    expect(await listAll(de, '/quarantine')).toEqual([]);
  });
});
