import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dearmorSignature } from '@palermo/bundles';
import { feedStreamName, feedSubject } from '@palermo/federation';
import { agree } from '../../apps/cli/src/agreements.setup';
import { loadNodeKeys } from '../../apps/node/src/keys/node-keys';
import { bootFederation, eventually, type Federation, type TestNode } from './support/federation.harness';
import { bundleAt, freshMsgId, sha256, signedBundle, wireIndicator, type RawFeedMessage } from './support/hostile.bundle-factory';
import {
  A,
  B,
  HOSTILE_CASES,
  IMPORT_MAX_BYTES,
  keyMaterial,
  OTHER,
  POISON_CASES,
  type Ctx,
  type Head,
  type HostileCase,
  type PoisonCase,
  type Signer,
} from './support/hostile.cases';
import { RawNatsClient, type PubAck } from './support/hostile.nats-wire';
import { getBytes, listAll } from './support/hostile.node-io';

// A hostile party with write access to nl-police's feed subjects (a compromised account, a
// misconfigured permission) injects messages on the chains addressed to de-bka. Each must end in
// de-bka's quarantine with its own reason code, import nothing, and leave the chain and its
// consumer working for the next honest bundle.

let fed: Federation;
let nl: TestNode;
let de: TestNode;
let nats: RawNatsClient;
let head: Head;
let replayHash: string;
let other: Signer;
let before: { indicators: string[]; inbound: string[] };
const injected = new Map<HostileCase, { msg: RawFeedMessage; ack: PubAck }>();

/** The newest outbound bundle of A on a chain, as A lists it. */
async function chainHead(audience: string): Promise<Head> {
  const [newest] = await listAll(nl, `/bundles?direction=out&partner=${audience}`);
  if (!newest) throw new Error(`${A} has no bundle on its ${audience} chain yet`);
  return { seq: newest.seq, hash: newest.hash };
}

/** Publishes indicators on nl-police as its analyst; returns their ids. */
async function publish(indicators: object[]): Promise<string[]> {
  const res = await nl.api('POST', '/indicators', { body: { indicators } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.items.map((i: { id: string }) => i.id);
}

/** Waits until `node` shows indicator `id`. */
const keep = async (node: TestNode, id: string) =>
  eventually(`${node.nodeId} to keep ${id}`, async () => (await node.api('GET', `/indicators/${id}`)).status === 200);

/** An honest start on both chains addressed to de-bka: amber → its own chain, clear → the community chain. */
async function honestStart(): Promise<void> {
  const [amberId, clearId] = await publish([
    { type: 'email', value: 'first.honest@example.org', tlp: 'amber', confidence: 80 },
    { type: 'domain', value: 'honest-start.example', tlp: 'clear', confidence: 80 },
  ]);
  await keep(de, amberId!);
  await keep(de, clearId!);
  head = await chainHead(B);
  replayHash = head.hash;
  before = {
    indicators: (await listAll(de, '/indicators', 'analyst')).map((i) => `${i.origin}/${i.id}/v${i.version}`).sort(),
    inbound: (await listAll(de, '/bundles?direction=in')).map((b) => b.hash).sort(),
  };
}

/**
 * us-hsi becomes a pinned partner of de-bka (its card, our key), so its signature is one de-bka
 * trusts, and de-bka's officers agree to take its bundles; its stream exists first, so de-bka binds
 * its consumers at once.
 */
async function pinOther(): Promise<Signer> {
  await nats.createStream(feedStreamName(OTHER), [`palermo.v1.feed.${OTHER}.>`]);
  const made = await keyMaterial(OTHER, 'US');
  const pin = await de.api('POST', '/partners', {
    role: 'admin',
    body: { nodeId: OTHER, jurisdiction: 'US', publicKey: made.armoredPublicKey, fingerprint: made.fingerprint },
  });
  expect(pin.status, JSON.stringify(pin.body)).toBe(201);
  await agree(de.party, OTHER, { directions: ['import'] });
  return made;
}

/** A's seq-1 bundle exactly as A sent it, again, under a new Nats-Msg-Id (JetStream stores it a second time). */
async function injectReplay(signer: Signer): Promise<void> {
  const bytes = await getBytes(nl, `/bundles/${replayHash}/raw`);
  const signature = await dearmorSignature((await getBytes(nl, `/bundles/${replayHash}/signature`)).toString('utf8'));
  await nats.publish(feedSubject(A, B), bytes, {
    'Nats-Msg-Id': freshMsgId('replay'),
    'Palermo-Hash': replayHash,
    'Palermo-Signer': signer.fingerprint,
    'Palermo-Signature': Buffer.from(signature).toString('base64'),
  });
}

beforeAll(async () => {
  fed = await bootFederation([
    { nodeId: A, jurisdiction: 'NL' },
    { nodeId: B, jurisdiction: 'DE', env: { PALERMO_IMPORT_MAX_BYTES: String(IMPORT_MAX_BYTES) } },
  ]);
  [nl, de] = [fed.node(A), fed.node(B)];
  nats = await RawNatsClient.connect(fed.nats.url);
  await honestStart();
  other = await pinOther();
  const own = await loadNodeKeys(nl.dataDir);
  const ctx: Ctx = {
    key: own.privateKey,
    fingerprint: own.fingerprint,
    head,
    impostor: await keyMaterial(A, 'NL'),
    stranger: await keyMaterial('zz-unknown', 'ZZ'),
    pinnedOther: other,
  };
  // The replay goes first: the chain is processed in order, so once later messages are quarantined it was handled.
  await injectReplay(ctx);
  for (const c of HOSTILE_CASES) {
    const msg = await c.make(ctx);
    injected.set(c, { msg, ack: await nats.publish(feedSubject(A, c.audience), msg.payload, msg.headers) });
  }
});

afterAll(async () => {
  await nats?.close();
  await fed?.stop();
});

/** de-bka's quarantine record of one injected message (matched by payload SHA-256 and code). */
async function quarantined(c: HostileCase) {
  const { msg } = injected.get(c)!;
  const sha = sha256(msg.payload);
  return eventually(
    `de-bka to quarantine "${c.name}" as ${c.code}`,
    async () => (await listAll(de, '/quarantine', 'auditor')).find((q) => q.payloadSha256 === sha && q.code === c.code),
    60_000,
  );
}

describe('hostile messages on nl-police’s feed are quarantined by de-bka, each with its reason', () => {
  it.each(HOSTILE_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { msg, ack } = injected.get(c)!;
    expect(ack.duplicate ?? false, 'JetStream stored the injected message').toBe(false);
    const record = await quarantined(c);
    expect(record).toMatchObject({
      code: c.code,
      publisher: A,
      audience: c.audience,
      subject: feedSubject(A, c.audience),
      streamSeq: ack.seq,
      payloadSize: msg.payload.length,
    });
    expect(record.message).toMatch(c.message);
    expect(record.headers['Nats-Msg-Id']).toBe(msg.headers['Nats-Msg-Id']);
  });

  it('only an auditor or admin may read the quarantine', async () => {
    const asAnalyst = await de.api('GET', '/quarantine', { role: 'analyst' });
    expect(asAnalyst.status).toBe(403);
    expect(asAnalyst.body.error.code).toBe('AUTH_FORBIDDEN');
    expect((await de.api('GET', '/quarantine', { role: null })).status).toBe(401);
    expect((await de.api('GET', '/quarantine', { role: 'admin' })).status).toBe(200);
  });
});

describe('after the attack', () => {
  it('de-bka imported nothing: same indicators, same inbound bundles, the replayed bundle stored once', async () => {
    for (const c of HOSTILE_CASES) await quarantined(c);
    const indicators = (await listAll(de, '/indicators', 'analyst')).map((i) => `${i.origin}/${i.id}/v${i.version}`).sort();
    const inbound = (await listAll(de, '/bundles?direction=in')).map((b) => b.hash).sort();
    expect(indicators).toEqual(before.indicators);
    expect(inbound).toEqual(before.inbound);
    expect(inbound.filter((h) => h === replayHash)).toHaveLength(1);
    expect((await de.api('GET', `/bundles/${replayHash}`)).body.decisions).toHaveLength(1);
  });

  it('the consumer is alive and the real chain continues: the next honest bundles from nl-police import on both chains', async () => {
    expect(de.process.running).toBe(true);
    const [amberId, clearId] = await publish([
      { type: 'email', value: 'after.attack@example.org', tlp: 'amber', confidence: 80 },
      { type: 'domain', value: 'after-attack.example', tlp: 'clear', confidence: 80 },
    ]);
    await keep(de, amberId!);
    await keep(de, clearId!);
    const shown = await de.api('GET', `/indicators/${amberId}`);
    const bundle = await de.api('GET', `/bundles/${shown.body.bundleHash}`);
    expect(bundle.body).toMatchObject({ publisher: A, audience: B, seq: head.seq + 1, prev: head.hash, signer: nl.fingerprint });
    expect(bundle.body.decisions).toEqual([expect.objectContaining({ originId: amberId, action: 'accept' })]);

    const health = await de.api('GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', nats: { connected: true } });
    expect(health.body.following).toContain(A);
    expect(de.process.output()).not.toMatch(/unhandled|UnhandledPromiseRejection|FATAL/i);
  });
});

// Last in the file on purpose, each on a chain of its own: a message that cannot even be
// quarantined is redelivered forever and blocks every later bundle of its chain.
describe('messages whose quarantine record is itself hostile (NUL characters, which PostgreSQL text and jsonb refuse)', () => {
  /** The next honest bundle on the poisoned chain: over HTTP on nl-police, or us-hsi's first bundle signed with its pinned key. */
  async function honestAfter(p: PoisonCase): Promise<string> {
    if (p.publisher === A) {
      const [id] = await publish([{ type: 'email', value: `after.poison.${randomBytes(3).toString('hex')}@example.org`, tlp: 'amber', confidence: 80 }]);
      return id!;
    }
    const indicator = wireIndicator(OTHER, { tlp: p.audience === 'all' ? 'clear' : 'amber' });
    const msg = await signedBundle(bundleAt({ publisher: OTHER, audience: p.audience, seq: 1, prev: null }, [indicator]), other.key, other.fingerprint);
    await nats.publish(feedSubject(OTHER, p.audience), msg.payload, msg.headers);
    return indicator.id;
  }

  it.each(POISON_CASES.map((p) => [p.name, p] as const))('%s: quarantined, and the next honest bundle of that chain still imports', async (_name, p) => {
    const signer = p.publisher === A ? await loadNodeKeys(nl.dataDir).then((k) => ({ key: k.privateKey, fingerprint: k.fingerprint })) : other;
    const msg = await p.make(signer);
    await nats.publish(feedSubject(p.publisher, p.audience), msg.payload, msg.headers);
    const id = await honestAfter(p);
    await eventually(`de-bka to import ${id} after the poison message`, async () => (await de.api('GET', `/indicators/${id}`)).status === 200, 30_000);
    const sha = sha256(msg.payload);
    const record = (await listAll(de, '/quarantine', 'auditor')).find((q) => q.payloadSha256 === sha);
    expect(record?.code).toBe(p.code);
  });
});
