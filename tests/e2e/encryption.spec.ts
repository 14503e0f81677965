import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMessage, encrypt, enums, generateKey } from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleHash, canonicalBytes, decryptBundle, encryptBundle, makePartnerCard, readPrivateKey, readPublicKey, type NodePrivateKey } from '@palermo/bundles';
import { feedSubject, nodeSubjects } from '@palermo/federation';
import { openTerms } from '../../apps/cli/src/agreements.setup';
import { bootFederation, eventually, type Federation, type TestNode } from './support/federation.harness';
import { bundleAt, freshMsgId, sha256, signedMessage, wireIndicator } from './support/hostile.bundle-factory';
import { RawNatsClient } from './support/hostile.nats-wire';
import { getBytes, listAll } from './support/hostile.node-io';
import { runCli } from './support/cli.run';

// Issue 4 item 3 with real nodes on one (unauthenticated) nats-server: nl-police may send TLP:RED
// to de-bka under an approved agreement, so those bundles travel encrypted to de-bka's key. us-hsi
// plays the eavesdropper with a plain core-NATS subscription (no consumer, no permissions to get
// past) and its own private key; a raw client plays a forger on nl-police's feed subject.
const A = 'nl-police';
const B = 'de-bka';
const C = 'us-hsi';
const LIMIT = 1024 * 1024;
const B_LIMIT = 512 * 1024;

interface Seen {
  subject: string;
  headers: Record<string, string>;
  payload: Buffer;
}

let fed: Federation;
let nl: TestNode;
let de: TestNode;
let us: TestNode;
let wire: RawNatsClient;
const onChain: Seen[] = [];
const onAnyFeed: Seen[] = [];

const keyOf = (node: TestNode): Promise<NodePrivateKey> => readPrivateKey(readFileSync(join(node.dataDir, 'keys', 'node-private.asc'), 'utf8'));

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.split('\r\n').slice(1)) {
    const at = line.indexOf(':');
    if (at > 0) headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return headers;
}

beforeAll(async () => {
  fed = await bootFederation([
    { nodeId: A, jurisdiction: 'NL', agreements: [{ partner: B, terms: { maxTlp: 'red' } }] },
    // A bundle limit below the server's max_payload, so an oversize ciphertext can reach it.
    { nodeId: B, jurisdiction: 'DE', agreements: [{ partner: A, terms: { maxTlp: 'red' } }], env: { PALERMO_IMPORT_MAX_BYTES: String(B_LIMIT) } },
    { nodeId: C, jurisdiction: 'US', agreements: 'none' },
  ]);
  [nl, de, us] = [fed.node(A), fed.node(B), fed.node(C)];
  wire = await RawNatsClient.connect(fed.nats.url);
  await wire.subscribe(feedSubject(A, B), (m) => onChain.push({ subject: m.subject, headers: parseHeaders(m.headers), payload: m.payload }));
  await wire.subscribe('palermo.v1.feed.>', (m) => onAnyFeed.push({ subject: m.subject, headers: parseHeaders(m.headers), payload: m.payload }));
}, 180_000);

afterAll(async () => {
  await wire?.close();
  await fed?.stop();
});

async function publish(indicators: object[]): Promise<string[]> {
  const res = await nl.api('POST', '/indicators', { body: { indicators } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.items.map((i: { id: string }) => i.id);
}

const imported = (id: string) => eventually(`${B} to import ${id}`, async () => ((await de.api('GET', `/indicators/${id}`)).status === 200 ? true : undefined));
const quarantinedAt = (payload: Uint8Array, code: string) =>
  eventually(`${B} to quarantine a payload as ${code}`, async () => (await listAll(de, '/quarantine')).find((q) => q.payloadSha256 === sha256(payload) && q.code === code));

/** The head of nl-police's chain to de-bka as de-bka holds it. */
async function chainHead(): Promise<{ seq: number; hash: string }> {
  const inbound = (await listAll(de, '/bundles?direction=in')).filter((b) => b.publisher === A && b.audience === B);
  const head = inbound.sort((x, y) => y.seq - x.seq)[0];
  return { seq: head.seq, hash: head.hash };
}

const tag = Date.now().toString(36);
const red = { type: 'keyword', value: `red-sealed-${tag}`, tlp: 'red', confidence: 95, tags: ['ht:recruitment'] };
const strict = { type: 'email', value: `strict-${tag}@example.org`, tlp: 'amber+strict', confidence: 90, tags: ['ht:payment'] };
let ids: string[] = [];

describe('TLP:RED and TLP:AMBER+STRICT travel encrypted to the recipient', () => {
  it('de-bka imports them and finds them by value; the stored bundle keeps the canonical bytes its hash and signature cover', async () => {
    ids = await publish([red, strict]);
    for (const id of ids) await imported(id);
    const found = await de.api('GET', `/indicators?type=keyword&value=${encodeURIComponent(red.value)}`);
    expect(found.body.items.map((i: { id: string }) => i.id)).toContain(ids[0]);
    const foundStrict = await de.api('GET', `/indicators?type=email&value=${encodeURIComponent(strict.value)}`);
    expect(foundStrict.body.items.map((i: { id: string }) => i.id)).toContain(ids[1]);

    const inbound = (await listAll(de, '/bundles?direction=in')).filter((b) => b.publisher === A && b.encryptedTo);
    expect(inbound.length).toBeGreaterThan(0);
    for (const b of inbound) expect(b.encryptedTo).toBe(de.fingerprint);
    const carrying: { hash: string }[] = [];
    for (const b of inbound) {
      const raw = await getBytes(de, `/bundles/${b.hash}/raw`);
      expect(sha256(raw), 'stored bytes are the canonical bytes, not the ciphertext').toBe(b.hash);
      if (raw.includes(red.value)) carrying.push(b);
    }
    expect(carrying).toHaveLength(1);
    // The publisher records that it was sent encrypted, and to whom.
    const sent = await nl.api('GET', `/bundles/${carrying[0].hash}`);
    expect(sent.body).toMatchObject({ direction: 'out', audience: B, encryptedTo: de.fingerprint });
    const exported = (await listAll(nl, '/audit?action=bundle.exported')).find((e) => e.subjectId === carrying[0].hash);
    expect(exported?.details).toMatchObject({ audience: B, encryptedTo: de.fingerprint });
    const importedEntry = (await listAll(de, '/audit?action=bundle.imported')).find((e) => e.subjectId === carrying[0]!.hash);
    expect(importedEntry?.details).toMatchObject({ publisher: A, encryptedTo: de.fingerprint, accepted: 2 });
  });

  it('us-hsi, listening on the raw subjects, gets the message but can read none of it, not even with its own key', async () => {
    const secrets = [red.value, strict.value, ...ids];
    const encrypted = await eventually('the encrypted bundle on the wire', async () => {
      const list = onChain.filter((m) => m.headers['Palermo-Encrypted']);
      return list.length > 0 ? list : undefined;
    });
    expect(onAnyFeed.filter((m) => m.subject === feedSubject(A, B)).length).toBe(onChain.length);
    for (const m of [...onChain, ...onAnyFeed]) {
      for (const s of secrets) {
        expect(m.payload.includes(s), `${s} in a payload on ${m.subject}`).toBe(false);
        expect(JSON.stringify(m.headers).includes(s), `${s} in headers on ${m.subject}`).toBe(false);
      }
    }
    const usKey = await keyOf(us);
    for (const m of encrypted) {
      expect(m.headers['Palermo-Encrypted']).toBe(de.fingerprint);
      expect(await decryptBundle(m.payload, usKey, LIMIT)).toMatchObject({ ok: false, code: 'BUNDLE_NOT_FOR_THIS_NODE' });
      // What de-bka's key opens: the canonical bytes whose hash is the message id.
      const opened = await decryptBundle(m.payload, await keyOf(de), LIMIT);
      expect(opened.ok).toBe(true);
      if (opened.ok) expect(bundleHash(opened.bytes)).toBe(m.headers['Nats-Msg-Id']);
    }
    // us-hsi, a node of the federation, holds nothing of them either.
    for (const id of ids) expect((await us.api('GET', `/indicators/${id}`)).status).toBe(404);
  });
});

describe('what de-bka refuses, and keeps in quarantine with the ciphertext', () => {
  it('a bundle signed by nl-police but encrypted to us-hsi’s key is not for de-bka, whatever the header claims', async () => {
    const head = await chainHead();
    const indicator = wireIndicator(A, { tlp: 'red', value: `misrouted-${tag}@example.org` });
    const bundle = bundleAt({ publisher: A, audience: B, seq: head.seq + 1, prev: head.hash }, [indicator]);
    const bytes = canonicalBytes(bundle);
    const signed = await signedMessage(bytes, await keyOf(nl), nl.fingerprint);
    const toUs = await encryptBundle(bytes, await readPublicKey(us.armoredPublicKey));
    await wire.publish(feedSubject(A, B), toUs, { ...signed.headers, 'Nats-Msg-Id': freshMsgId('to-us'), 'Palermo-Encrypted': us.fingerprint });
    const lying = await encryptBundle(bytes, await readPublicKey(us.armoredPublicKey));
    await wire.publish(feedSubject(A, B), lying, { ...signed.headers, 'Nats-Msg-Id': freshMsgId('lying'), 'Palermo-Encrypted': de.fingerprint });
    const records = [await quarantinedAt(toUs, 'BUNDLE_NOT_FOR_THIS_NODE'), await quarantinedAt(lying, 'BUNDLE_NOT_FOR_THIS_NODE')];
    // Matched by the SHA-256 of what arrived: the ciphertext is what the quarantine keeps.
    for (const [record, payload] of [[records[0], toUs], [records[1], lying]] as const) {
      expect(record).toMatchObject({ publisher: A, payloadSize: payload.byteLength });
    }
    expect((await de.api('GET', `/indicators/${indicator.id}`)).status).toBe(404);
  });

  it('random bytes, a decompression bomb and an oversize ciphertext announced as encrypted are quarantined, and the chain goes on', async () => {
    const deKey = await readPublicKey(de.armoredPublicKey);
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251));
    const bomb = await encrypt({
      message: await createMessage({ binary: new Uint8Array(64 * 1024 * 1024) }),
      encryptionKeys: deKey,
      format: 'binary',
      config: { preferredCompressionAlgorithm: enums.compression.zlib },
    });
    expect(bomb.byteLength).toBeLessThan(LIMIT);
    const headers = (label: string) => ({ 'Nats-Msg-Id': freshMsgId(label), 'Palermo-Hash': 'e'.repeat(64), 'Palermo-Signer': nl.fingerprint, 'Palermo-Signature': 'AAAA', 'Palermo-Encrypted': de.fingerprint });
    const oversize = Buffer.alloc(B_LIMIT + 1024, 0xa5);
    await wire.publish(feedSubject(A, B), garbage, headers('garbage'));
    await wire.publish(feedSubject(A, B), bomb, headers('bomb'));
    await wire.publish(feedSubject(A, B), oversize, headers('oversize'));
    await quarantinedAt(garbage, 'BUNDLE_DECRYPT_FAILED');
    await quarantinedAt(bomb, 'BUNDLE_OVERSIZE');
    await quarantinedAt(oversize, 'BUNDLE_OVERSIZE');
    // The next real RED bundle still arrives and is imported: nothing above held the chain.
    const [next] = await publish([{ ...red, value: `red-after-${tag}` }]);
    await imported(next!);
  });

  it('a duplicate delivery of an encrypted bundle (same bytes, new message id) is imported once', async () => {
    const original = onChain.find((m) => m.headers['Palermo-Encrypted'] === de.fingerprint)!;
    const before = (await listAll(de, '/bundles?direction=in')).filter((b) => b.hash === original.headers['Nats-Msg-Id']);
    expect(before).toHaveLength(1);
    await wire.publish(feedSubject(A, B), original.payload, { ...original.headers, 'Nats-Msg-Id': freshMsgId('replay') });
    // A later genuine bundle is imported after the replay was handled (the chain is processed in order).
    const [marker] = await publish([{ type: 'keyword', value: `marker-${tag}`, tlp: 'green', confidence: 80, tags: ['ht:recruitment'] }]);
    await imported(marker!);
    const after = (await listAll(de, '/bundles?direction=in')).filter((b) => b.hash === original.headers['Nats-Msg-Id']);
    expect(after).toHaveLength(1);
    expect((await listAll(de, '/quarantine')).filter((q) => q.payloadSha256 === sha256(original.payload))).toEqual([]);
    const found = await de.api('GET', `/indicators?type=keyword&value=${encodeURIComponent(red.value)}`);
    expect(found.body.items).toHaveLength(1);
  });

  it('an agreement that requires encryption (four-eyes as ever) encrypts every bundle to the partner, GREEN too', async () => {
    const draft = await nl.api('POST', '/agreements', { role: 'policy-officer', body: { ...openTerms(), maxTlp: 'red', encrypt: true, partner: B } });
    expect(draft.status, JSON.stringify(draft.body)).toBe(201);
    expect(draft.body).toMatchObject({ state: 'draft', encrypt: true });
    expect((await nl.api('POST', `/agreements/${draft.body.id}/approve`, { role: 'policy-officer', body: {} })).status).toBe(403);
    const approved = await nl.api('POST', `/agreements/${draft.body.id}/approve`, { role: 'policy-officer-2', body: { reason: 'everything sealed' } });
    expect(approved.body).toMatchObject({ state: 'active', encrypt: true });
    const shown = await runCli(['agreements', 'show', draft.body.id, '--api', nl.url, '--token', nl.tokens.auditor]);
    expect(shown.stdout).toMatch(/encryption +every bundle/);

    const value = `green-sealed-${tag}`;
    const [id] = await publish([{ type: 'keyword', value, tlp: 'green', confidence: 80, tags: ['ht:recruitment'] }]);
    await imported(id!);
    const carrying = await eventually('the outbound bundle with the GREEN value', async () => {
      for (const b of (await listAll(nl, '/bundles?direction=out')).filter((x) => x.audience === B)) {
        if ((await getBytes(nl, `/bundles/${b.hash}/raw`)).includes(value)) return b;
      }
      return undefined;
    });
    expect(carrying.encryptedTo).toBe(de.fingerprint);
    const onWire = await eventually('it on the wire', async () => onChain.find((m) => m.headers['Nats-Msg-Id'] === carrying.hash));
    expect(onWire.headers['Palermo-Encrypted']).toBe(de.fingerprint);
    expect(onWire.payload.includes(value)).toBe(false);
  });

  // Last: it takes the next position of nl-police's chain to de-bka (a forged fork of it).
  it('TLP:RED in a bundle nl-police signed but sent in clear is rejected by the import baseline', async () => {
    const head = await chainHead();
    const indicator = wireIndicator(A, { tlp: 'red', value: `in-clear-${tag}@example.org` });
    const bundle = bundleAt({ publisher: A, audience: B, seq: head.seq + 1, prev: head.hash }, [indicator]);
    const signed = await signedMessage(canonicalBytes(bundle), await keyOf(nl), nl.fingerprint);
    await wire.publish(feedSubject(A, B), signed.payload, signed.headers);
    const hash = bundleHash(signed.payload);
    const stored = await eventually(`${B} to decide the bundle sent in clear`, async () => {
      const res = await de.api('GET', `/bundles/${hash}`, { role: 'auditor' });
      return res.status === 200 ? res.body : undefined;
    });
    expect(stored).toMatchObject({ direction: 'in', encryptedTo: null, rejectedCount: 1, acceptedCount: 0 });
    expect(stored.decisions).toEqual([expect.objectContaining({ action: 'reject', reasons: expect.arrayContaining(['baseline.tlp-arrived-unencrypted']) })]);
    expect((await de.api('GET', `/indicators/${indicator.id}`)).status).toBe(404);
  });
});

describe('a partner key restricted bundles cannot be encrypted to', () => {
  it('is refused when pinned, by fingerprint or by card (422 PARTNER_KEY_CANNOT_ENCRYPT), and nothing is pinned', async () => {
    // A key made with another tool: a signing primary key, no encryption subkey.
    const { privateKey, publicKey } = await generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'fr-pn' }], subkeys: [], format: 'object' });
    const fingerprint = publicKey.getFingerprint();
    const byKey = await de.api('POST', '/partners', { role: 'admin', body: { nodeId: 'fr-pn', jurisdiction: 'FR', publicKey: publicKey.armor(), fingerprint } });
    expect(byKey).toMatchObject({ status: 422, body: { error: { code: 'PARTNER_KEY_CANNOT_ENCRYPT' } } });
    const card = await makePartnerCard({ nodeId: 'fr-pn', jurisdiction: 'FR', subjects: nodeSubjects, privateKey: privateKey as NodePrivateKey, armoredPublicKey: publicKey.armor() });
    const byCard = await de.api('POST', '/partners/cards', { role: 'admin', body: { card, fingerprint } });
    expect(byCard).toMatchObject({ status: 422, body: { error: { code: 'PARTNER_KEY_CANNOT_ENCRYPT' } } });
    expect((await de.api('GET', '/partners', { role: 'admin' })).body.items.map((p: { nodeId: string }) => p.nodeId)).not.toContain('fr-pn');
  });
});

// After the RED-in-clear fork above nothing real is published on the chain any more: these bundles
// are signed by nl-police's real key and published raw at de-bka's head, as nl-police's exporter
// would publish them before it has read de-bka's rotation statement.
describe('de-bka rotates its key: bundles partners encrypted to its previous key still open', () => {
  let previous: { fingerprint: string; armoredPublicKey: string };
  let current: string;

  /** A bundle nl-police signed, at de-bka's chain head, encrypted to `armoredKey` and announced as for `fingerprint`. */
  async function sealedAtHead(label: string, armoredKey: string, fingerprint: string) {
    const head = await chainHead();
    const indicator = wireIndicator(A, { tlp: 'red', value: `${label}-${tag}@example.org` });
    const bytes = canonicalBytes(bundleAt({ publisher: A, audience: B, seq: head.seq + 1, prev: head.hash }, [indicator]));
    const signed = await signedMessage(bytes, await keyOf(nl), nl.fingerprint);
    const payload = await encryptBundle(bytes, await readPublicKey(armoredKey));
    await wire.publish(feedSubject(A, B), payload, { ...signed.headers, 'Nats-Msg-Id': freshMsgId(label), 'Palermo-Encrypted': fingerprint });
    return { hash: bundleHash(bytes), payload, indicator };
  }

  it('a TLP:RED bundle encrypted to de-bka’s previous key (nl-police not yet aware) is imported after the rotation', async () => {
    previous = { fingerprint: de.fingerprint, armoredPublicKey: de.armoredPublicKey };
    const rotated = await de.api('POST', '/keys/rotate', { role: 'admin' });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(201);
    expect(rotated.body.oldFingerprint).toBe(previous.fingerprint);
    current = rotated.body.newFingerprint;

    const sent = await sealedAtHead('to-previous-key', previous.armoredPublicKey, previous.fingerprint);
    const stored = await eventually(`${B} to import the bundle sealed to its previous key`, async () => {
      const res = await de.api('GET', `/bundles/${sent.hash}`);
      return res.status === 200 ? res.body : undefined;
    });
    expect(stored).toMatchObject({ direction: 'in', encryptedTo: previous.fingerprint, rejectedCount: 0 });
    expect((await de.api('GET', `/indicators/${sent.indicator.id}`)).status).toBe(200);
    expect((await listAll(de, '/quarantine')).filter((q) => q.payloadSha256 === sha256(sent.payload))).toEqual([]);

    // And one encrypted to the new key, as nl-police sends once it pinned it.
    const next = await sealedAtHead('to-new-key', (await de.api('GET', '/node')).body.publicKey, current);
    await eventually(`${B} to import the bundle sealed to its new key`, async () => ((await de.api('GET', `/bundles/${next.hash}`)).body?.encryptedTo === current ? true : undefined));
  });

  it('once de-bka revokes its previous key as compromised, a bundle encrypted to it is quarantined, not opened', async () => {
    const revoked = await de.api('POST', '/keys/revoke', { role: 'admin', body: { fingerprint: previous.fingerprint, reason: 'key-compromise' } });
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(201);
    const sent = await sealedAtHead('to-compromised-key', previous.armoredPublicKey, previous.fingerprint);
    const record = await quarantinedAt(sent.payload, 'BUNDLE_ENCRYPTED_TO_COMPROMISED_KEY');
    expect(record).toMatchObject({ publisher: A, payloadSize: sent.payload.byteLength });
    expect((await de.api('GET', `/indicators/${sent.indicator.id}`)).status).toBe(404);
  });
});
