import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canonicalJson,
  encodeLogProofMessage,
  generateNodeKey,
  makeCheckpoint,
  makeWitnessSignature,
  parseLogProofAnswer,
  readPrivateKey,
  verifyBundleInclusion,
  verifyCheckpoint,
  verifyConsistency,
  type NodePrivateKey,
  type SignedCheckpoint,
} from '@palermo/bundles';
import { LogChannel, NatsConnection } from '@palermo/federation';
import { bootFederation, eventually, type Federation, type TestNode } from './support/federation.harness';
import { AuditTamperer } from './support/audit.tamper';
import { listAll } from './support/hostile.node-io';

// Issue 4 item 6 with real nodes: nl-police appends every bundle it emits to its Merkle feed log and
// publishes signed checkpoints; de-bka proves each bundle it imported is in that log, checks each
// checkpoint is consistent with the last one it verified, and countersigns it back. A side connection
// plays the forger (the harness's nats-server has no per-node permissions; deploy-nats.spec.ts proves
// who may publish where) — with nl-police's own stolen key, it shows de-bka a second history.
const A = 'nl-police';
const B = 'de-bka';

let fed: Federation;
let nl: TestNode;
let de: TestNode;
let side: NatsConnection;
let channel: LogChannel;
let nlKey: NodePrivateKey;

beforeAll(async () => {
  fed = await bootFederation([
    // Checkpoints on demand only (POST /log/checkpoints), so the test knows what each one covers.
    { nodeId: A, jurisdiction: 'NL', env: { PALERMO_LOG_CHECKPOINT_INTERVAL_MS: '86400000' } },
    { nodeId: B, jurisdiction: 'DE', env: { PALERMO_LOG_CHECKPOINT_INTERVAL_MS: '86400000' } },
  ]);
  [nl, de] = [fed.node(A), fed.node(B)];
  side = new NatsConnection({ natsUrl: fed.nats.url, name: 'e2e-feed-log' });
  side.start();
  channel = new LogChannel(side);
  nlKey = await readPrivateKey(readFileSync(join(nl.dataDir, 'keys', 'node-private.asc'), 'utf8'));
});

afterAll(async () => {
  await side?.close();
  await fed?.stop();
});

let counter = 0;
/** Publishes one indicator on nl-police and waits until de-bka imported the bundle that carried it. */
async function publishImported(): Promise<string> {
  const before = new Set((await listAll(nl, '/bundles?direction=out')).map((b) => b.hash));
  const value = `feed-log-e2e-${++counter}-${Date.now()}`;
  const res = await nl.api('POST', '/indicators', { body: { indicators: [{ type: 'keyword', value, tlp: 'green', confidence: 90, tags: ['ht:recruitment'] }] } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const hash = await eventually(`the bundle carrying ${value}`, async () => {
    const fresh = (await listAll(nl, '/bundles?direction=out')).filter((b) => !before.has(b.hash) && b.audience === B && b.publishedAt);
    return fresh[0]?.hash as string | undefined;
  });
  await eventually(`de-bka imports ${hash.slice(0, 12)}`, async () => ((await de.api('GET', `/bundles/${hash}`)).status === 200 ? true : undefined));
  return hash;
}

/** nl-police signs and publishes a checkpoint now. */
async function checkpointNow(): Promise<{ treeSize: number; rootHash: string; signed: SignedCheckpoint; id: string }> {
  const res = await nl.api('POST', '/log/checkpoints', { role: 'auditor' });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  await eventually('the checkpoint published', async () => ((await nl.api('GET', '/log/checkpoints?limit=1')).body.items[0]?.publishedAt ? true : undefined));
  return res.body;
}

/** de-bka's view of nl-police's feed log (GET /partners/:id/status → log). */
async function logStatus() {
  const res = await de.api('GET', `/partners/${A}/status`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.log;
}

const witnessesOf = async (treeSize: number) => ((await listAll(nl, '/log/checkpoints')).find((c) => c.treeSize === treeSize)?.witnesses ?? []) as any[];
const quarantined = async (node: TestNode) => (await listAll(node, '/quarantine')).map((q) => `${q.publisher} ${q.code}`);
const publishCheckpoint = (payload: Uint8Array | string, msgId?: string) => {
  const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  return channel.publishCheckpoint(A, bytes, msgId ?? createHash('sha256').update(bytes).digest('hex'));
};
const encode = (value: unknown) => new TextEncoder().encode(canonicalJson(value));
const outboundCount = async () => (await listAll(nl, '/bundles?direction=out')).length;

let first: Awaited<ReturnType<typeof checkpointNow>>;
let second: Awaited<ReturnType<typeof checkpointNow>>;

describe('verifiable feed log', () => {
  it('de-bka proves every imported bundle is in nl-police’s log, and nl-police keeps its countersignature', async () => {
    const hashes = [await publishImported(), await publishImported(), await publishImported()];
    first = await checkpointNow();
    expect(first.treeSize).toBe(await outboundCount());
    const status = await eventually('de-bka verified the checkpoint and every import', async () => {
      const log = await logStatus();
      return log.state === 'ok' && log.lastVerifiedSize === first.treeSize && log.bundles.pending === 0 ? log : undefined;
    });
    expect(status).toMatchObject({ lastVerifiedRoot: first.rootHash, bundles: { verified: expect.any(Number) } });
    expect(status.bundles.verified).toBeGreaterThanOrEqual(3);
    const witnesses = await eventually('de-bka’s countersignature on nl-police', async () => {
      const list = await witnessesOf(first.treeSize);
      return list.length > 0 ? list : undefined;
    });
    expect(witnesses).toEqual([expect.objectContaining({ witness: B, signer: de.fingerprint })]);
    expect(witnesses[0].signed.statement.checkpoint).toEqual(first.signed);
    // Anyone holding a bundle can check the proof nl-police serves against the signed checkpoint.
    expect((await verifyCheckpoint(first.signed, nl.armoredPublicKey, { publisher: A })).ok).toBe(true);
    for (const hash of hashes) {
      const proof = await nl.api('GET', `/log/proof?hash=${hash}`);
      expect(proof.status, JSON.stringify(proof.body)).toBe(200);
      expect(verifyBundleInclusion(hash, proof.body.leafIndex, proof.body.proof, first.signed.checkpoint)).toEqual({ ok: true });
    }
    expect((await listAll(nl, '/audit?action=log.witnessed')).length).toBeGreaterThanOrEqual(1);
  });

  it('a later checkpoint is verified consistent with the first, and bundles imported since are covered', async () => {
    await publishImported();
    const late = await publishImported();
    expect(await nl.api('GET', `/log/proof?hash=${late}`)).toMatchObject({ status: 404, body: { error: { code: 'LOG_NOT_COVERED' } } });
    second = await checkpointNow();
    expect(second.treeSize).toBeGreaterThan(first.treeSize);
    await eventually('de-bka verified the second checkpoint and the new imports', async () => {
      const log = await logStatus();
      return log.state === 'ok' && log.lastVerifiedSize === second.treeSize && log.bundles.pending === 0 ? log : undefined;
    });
    // de-bka countersigns only after the consistency proof from the first checkpoint verified.
    await eventually('de-bka’s countersignature on the second checkpoint', async () => ((await witnessesOf(second.treeSize)).length === 1 ? true : undefined));
    const consistency = await nl.api('GET', `/log/proof?fromSize=${first.treeSize}&toSize=${second.treeSize}`);
    expect(consistency.status).toBe(200);
    expect(verifyConsistency(first.treeSize, second.treeSize, first.rootHash, second.rootHash, consistency.body.proof)).toEqual({ ok: true });
  });

  it('refuses malformed and forged checkpoints with their codes, and takes a duplicate once', async () => {
    const stranger = await generateNodeKey({ nodeId: 'xx-forger', jurisdiction: 'XX' });
    const strangerKey = await readPrivateKey(stranger.armoredPrivateKey);
    const unpinned = await makeCheckpoint({ publisher: A, treeSize: second.treeSize, rootHash: 'c'.repeat(64), privateKey: strangerKey });
    const tampered = { ...second.signed, checkpoint: { ...second.signed.checkpoint, rootHash: 'd'.repeat(64) } };
    await publishCheckpoint(encode(unpinned));
    await publishCheckpoint(encode(tampered));
    await publishCheckpoint('not json at all');
    await publishCheckpoint(encode({ checkpoint: { spec: 'palermo/checkpoint@1' }, signature: 'x' }));
    await publishCheckpoint(encode({ ...second.signed, padding: 'x'.repeat(20_000) }));
    // The genuine second checkpoint again, under a new message id: verified again, countersigned once.
    await publishCheckpoint(encode(second.signed), 'e'.repeat(64));
    const expected = ['CHECKPOINT_SIGNER_MISMATCH', 'CHECKPOINT_SIGNATURE_INVALID', 'CHECKPOINT_MALFORMED', 'CHECKPOINT_TOO_LARGE'].map((c) => `${A} ${c}`);
    await eventually('the refusals in de-bka’s quarantine', async () => {
      const codes = await quarantined(de);
      return expected.every((c) => codes.includes(c)) && codes.filter((c) => c === `${A} CHECKPOINT_MALFORMED`).length === 2 ? true : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await witnessesOf(second.treeSize)).toHaveLength(1);
    expect(await logStatus()).toMatchObject({ state: 'ok', lastVerifiedSize: second.treeSize });
    expect((await listAll(de, '/audit?action=log.checkpoint.refused')).length).toBeGreaterThanOrEqual(5);
  });

  it('answers hostile proof requests with explicit codes', async () => {
    const ask = async (bytes: Uint8Array) => {
      const answer = parseLogProofAnswer(await channel.requestProof(A, bytes));
      expect(answer.ok).toBe(true);
      return (answer as { answer: { type: string; code?: string } }).answer;
    };
    const text = (s: string) => new TextEncoder().encode(s);
    expect(await ask(text('{"type":"inclusion"'))).toMatchObject({ type: 'error', code: 'LOG_PROOF_REQUEST_MALFORMED' });
    expect(await ask(new Uint8Array(4096))).toMatchObject({ type: 'error', code: 'LOG_PROOF_REQUEST_TOO_LARGE' });
    expect(await ask(encodeLogProofMessage({ type: 'inclusion', bundleHash: 'f'.repeat(64), treeSize: 1 }))).toMatchObject({ code: 'LOG_HASH_UNKNOWN' });
    expect(await ask(encodeLogProofMessage({ type: 'consistency', fromSize: 1, toSize: 1_000_000 }))).toMatchObject({ code: 'LOG_SIZE_BEYOND_TREE' });
    expect(await ask(encodeLogProofMessage({ type: 'consistency', fromSize: 1, toSize: second.treeSize }))).toMatchObject({ type: 'consistency' });
    // The same service over HTTP, for this node's own log.
    expect(await nl.api('GET', '/log/proof?hash=XYZ')).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    expect(await nl.api('GET', '/log/proof?hash=' + 'f'.repeat(64) + '&fromSize=1')).toMatchObject({ status: 400 });
    expect(await nl.api('GET', '/log/proof?fromSize=5&toSize=2')).toMatchObject({ status: 400, body: { error: { code: 'LOG_PROOF_REQUEST_MALFORMED' } } });
    expect(await nl.api('GET', `/log/proof?hash=${'f'.repeat(64)}`)).toMatchObject({ status: 404, body: { error: { code: 'LOG_HASH_UNKNOWN' } } });
    expect(await nl.api('GET', '/log/proof?fromSize=1&toSize=1000000')).toMatchObject({ status: 404, body: { error: { code: 'LOG_SIZE_BEYOND_TREE' } } });
    expect(await nl.api('GET', '/log/proof?fromSize=1&toSize=2', { role: null })).toMatchObject({ status: 401 });
  });

  it('refuses countersignatures nl-police cannot believe', async () => {
    const stranger = await readPrivateKey((await generateNodeKey({ nodeId: B, jurisdiction: 'DE' })).armoredPrivateKey);
    const posing = await makeWitnessSignature({ witness: B, signedCheckpoint: second.signed, publisherArmoredPublicKey: nl.armoredPublicKey, publisher: A, privateKey: stranger });
    const send = (payload: Uint8Array) => channel.publishWitness(A, B, payload, createHash('sha256').update(payload).digest('hex'));
    await send(encode(posing));
    await send(new TextEncoder().encode('{"statement":'));
    // de-bka's genuine key countersigning a checkpoint made with nl-police's key that nl-police never made:
    // nl-police learns its key signed another history.
    const deKey = await readPrivateKey(readFileSync(join(de.dataDir, 'keys', 'node-private.asc'), 'utf8'));
    const foreign = await makeCheckpoint({ publisher: A, treeSize: second.treeSize, rootHash: '9'.repeat(64), privateKey: nlKey });
    await send(encode(await makeWitnessSignature({ witness: B, signedCheckpoint: foreign, publisherArmoredPublicKey: nl.armoredPublicKey, publisher: A, privateKey: deKey })));
    await eventually('the refusals in nl-police’s quarantine', async () => {
      const codes = await quarantined(nl);
      return [`${B} WITNESS_SIGNER_MISMATCH`, `${B} WITNESS_MALFORMED`, `${B} LOG_WITNESSED_UNKNOWN_CHECKPOINT`].every((c) => codes.includes(c)) ? true : undefined;
    });
    expect((await listAll(nl, '/audit?action=log.witness.refused')).length).toBeGreaterThanOrEqual(3);
    expect(await witnessesOf(second.treeSize)).toHaveLength(1);
  });

  it('detects a second history shown with nl-police’s own key: a fork, with evidence, reported', async () => {
    // nl-police's log grows; a checkpoint of its real size but another root cannot be proven consistent.
    await publishImported();
    const size = await outboundCount();
    const forged = await makeCheckpoint({ publisher: A, treeSize: size, rootHash: 'a'.repeat(64), privateKey: nlKey });
    await publishCheckpoint(encode(forged));
    const log = await eventually('de-bka reports the fork', async () => {
      const status = await logStatus();
      return status.state === 'forked' ? status : undefined;
    });
    expect(log.evidence).toEqual([expect.objectContaining({ code: 'LOG_FORK', reason: 'CONSISTENCY_PROOF_FAILED' })]);
    const evidence = log.evidence[0].evidence;
    expect([evidence.first, evidence.second]).toEqual([second.signed, forged]);
    // The evidence convinces anyone holding nl-police's public key: both checkpoints carry its signature.
    for (const signed of [evidence.first, evidence.second]) expect((await verifyCheckpoint(signed, nl.armoredPublicKey, { publisher: A })).ok).toBe(true);
    expect(log.lastVerifiedSize).toBe(second.treeSize);

    // Same size as a checkpoint de-bka verified, another root: self-evident.
    const twin = await makeCheckpoint({ publisher: A, treeSize: second.treeSize, rootHash: 'b'.repeat(64), privateKey: nlKey });
    await publishCheckpoint(encode(twin));
    const both = await eventually('the second fork on record', async () => {
      const status = await logStatus();
      return status.evidence?.length === 2 ? status.evidence : undefined;
    });
    expect(both.map((e: { reason: string }) => e.reason).sort()).toEqual(['CONSISTENCY_PROOF_FAILED', 'SAME_SIZE_DIFFERENT_ROOT']);
    expect((await quarantined(de)).filter((c) => c === `${A} LOG_FORK`)).toHaveLength(2);
    expect((await listAll(de, '/audit?action=log.fork')).map((e) => e.subjectId)).toEqual([A, A]);
    // Delivered again: the same evidence is not recorded twice; nothing forged was countersigned.
    await publishCheckpoint(encode(twin), 'd'.repeat(64));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await logStatus()).evidence).toHaveLength(2);
    expect((await listAll(nl, '/log/checkpoints')).flatMap((c) => c.witnesses).every((w: any) => w.signed.statement.checkpoint.checkpoint.rootHash !== 'a'.repeat(64))).toBe(true);

    // A later checkpoint of a smaller log: the log lost bundles.
    const shrunk = await makeCheckpoint({ publisher: A, treeSize: 1, rootHash: 'c'.repeat(64), privateKey: nlKey });
    await publishCheckpoint(encode(shrunk));
    const three = await eventually('the shrunk log on record', async () => {
      const status = await logStatus();
      return status.evidence?.length === 3 ? status.evidence : undefined;
    });
    expect(three[0]).toMatchObject({ code: 'LOG_FORK', reason: 'TREE_SHRANK' });
    expect(await logStatus()).toMatchObject({ state: 'forked', lastVerifiedSize: second.treeSize });
  });

  it('detects a history a DBA rewrote in nl-police’s database: imports no longer included, the next checkpoint a fork', async () => {
    const before = (await logStatus()).evidence.length;
    // A superuser hides every bundle after the first: triggers off for the session, leaves and the
    // subtrees over them deleted, the head set back. New bundles then take the hidden bundles' places.
    const dba = await AuditTamperer.open(nl);
    try {
      await dba.sql(`delete from feed_log where leaf_index >= 1`);
      await dba.sql(`delete from feed_log_node where (idx + 1) * power(2, level) > 1`);
      await dba.sql(`update feed_log_head set size = 1`);
    } finally {
      await dba.close();
    }
    const fresh: string[] = [];
    while (fresh.length <= second.treeSize) fresh.push(await publishImported());
    // de-bka asks for their inclusion at the last checkpoint it verified: the rewritten log cannot prove it.
    await eventually('an import the verified log does not hold', async () => {
      const status = await logStatus();
      return status.evidence.some((e: { code: string }) => e.code === 'LOG_INCLUSION_FAILED') ? true : undefined;
    });
    const rewritten = await checkpointNow();
    expect(rewritten.treeSize).toBeGreaterThan(second.treeSize);
    const fork = await eventually('the rewritten checkpoint reported as a fork', async () => {
      const status = await logStatus();
      return status.evidence.find((e: any) => e.code === 'LOG_FORK' && e.evidence.second.checkpoint.treeSize === rewritten.treeSize);
    });
    expect(fork).toMatchObject({ reason: 'CONSISTENCY_PROOF_FAILED', evidence: { first: second.signed, second: rewritten.signed } });
    expect((await logStatus()).evidence.length).toBeGreaterThan(before + 1);
    expect(await quarantined(de)).toContain(`${A} LOG_INCLUSION_FAILED`);
    expect((await listAll(de, '/audit?action=log.inclusion_failed')).length).toBeGreaterThanOrEqual(1);
    expect(await witnessesOf(rewritten.treeSize)).toEqual([]);
  });
});
