import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, fingerprintOf, generateNodeKey, makeKeyRotation, readPrivateKey, type NodePrivateKey } from '@palermo/bundles';
import { feedSubject, keyStreamName, keySubject } from '@palermo/federation';
import { ApiClient } from '../../apps/cli/src/api.client';
import { verifyAuditLog } from '../../apps/cli/src/commands/audit.command';
import { runCli } from './support/cli.run';
import { bootFederation, eventually, type Federation, type TestNode } from './support/federation.harness';
import { bundleAt, sha256, signedBundle, wireIndicator } from './support/hostile.bundle-factory';
import { RawNatsClient } from './support/hostile.nats-wire';
import { listAll } from './support/hostile.node-io';

// Issue 4 item 2 with real nodes: nl-police rotates its key while de-bka is offline, de-bka reads the
// rotation from nl-police's key stream when it is back and keeps importing without a manual step;
// forged statements and bundles (published with a raw client: the harness's nats-server has no
// per-node permissions, deploy-nats.spec.ts proves those) are refused with their reasons; a
// compromise revocation quarantines what the old key signs after it and marks what came before.
const A = 'nl-police';
const B = 'de-bka';

let fed: Federation;
let nl: TestNode;
let de: TestNode;
let raw: RawNatsClient;
let oldFingerprint: string;
let newFingerprint: string;
let beforeRotation: string;

beforeAll(async () => {
  fed = await bootFederation([
    { nodeId: A, jurisdiction: 'NL' },
    { nodeId: B, jurisdiction: 'DE' },
  ]);
  [nl, de] = [fed.node(A), fed.node(B)];
  raw = await RawNatsClient.connect(fed.nats.url);
});

afterAll(async () => {
  await raw?.close();
  await fed?.stop();
});

let counter = 0;
/** Publishes one TLP:GREEN indicator on nl-police and returns the hash of the de-bka bundle that carried it. */
async function publishOne(): Promise<string> {
  const before = new Set((await listAll(nl, '/bundles?direction=out')).map((b) => b.hash));
  const value = `key-rotation-e2e-${++counter}-${Date.now()}`;
  const res = await nl.api('POST', '/indicators', { body: { indicators: [{ type: 'keyword', value, tlp: 'green', confidence: 90, tags: ['ht:recruitment'] }] } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return eventually(`a published bundle carrying ${value}`, async () => (await listAll(nl, '/bundles?direction=out')).find((b) => !before.has(b.hash) && b.audience === B && b.publishedAt)?.hash);
}

const imported = (hash: string) => eventually(`de-bka imports ${hash.slice(0, 12)}`, async () => ((await de.api('GET', `/bundles/${hash}`)).status === 200 ? true : undefined));
const pinnedAtDe = async () => (await de.api('GET', '/partners')).body.items.find((p: { nodeId: string }) => p.nodeId === A).fingerprint as string;
const quarantinedAtDe = async () => listAll(de, '/quarantine');
const statementsAtDe = async () => (await de.api('GET', `/keys/partners/${A}`, { role: 'admin' })).body;
const retiredKey = (fingerprint: string): Promise<NodePrivateKey> => readPrivateKey(readFileSync(join(nl.dataDir, 'keys', 'retired', `${fingerprint}.private.asc`), 'utf8'));

/** Publishes a key statement on nl-police's key subject, as a forger with broker access would. */
async function publishStatement(statement: unknown): Promise<string> {
  const bytes = new TextEncoder().encode(typeof statement === 'string' ? statement : canonicalJson(statement));
  await raw.publish(keySubject(A), bytes, { 'Nats-Msg-Id': `${sha256(bytes)}-${Date.now()}` });
  return sha256(bytes);
}

/** The refusal recorded at de-bka for a statement hash. */
const refusal = (hash: string) =>
  eventually(`de-bka records statement ${hash.slice(0, 12)}`, async () => (await statementsAtDe()).statements.find((s: { statementHash: string }) => s.statementHash === hash));

describe('key rotation and revocation across nodes', () => {
  it('rotates while de-bka is offline: de-bka pins the new key from the durable key stream and imports the new bundles, no manual step', async () => {
    beforeRotation = await publishOne();
    await imported(beforeRotation);
    oldFingerprint = await pinnedAtDe();
    expect(oldFingerprint).toBe(nl.fingerprint);

    await de.process.stop();
    expect((await nl.api('POST', '/keys/rotate', { role: 'analyst' })).status).toBe(403);
    const rotated = await nl.api('POST', '/keys/rotate', { role: 'admin' });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(201);
    expect(rotated.body).toMatchObject({ oldFingerprint, newFingerprint: expect.stringMatching(/^[0-9a-f]{40}$/), publishedAt: expect.any(String) });
    newFingerprint = rotated.body.newFingerprint;
    // Live, without a restart: the node reports and signs with the new key.
    expect((await nl.api('GET', '/node')).body.fingerprint).toBe(newFingerprint);
    const afterRotation = await publishOne();
    expect((await nl.api('GET', `/bundles/${afterRotation}`)).body.signer).toBe(newFingerprint);
    const keys = (await nl.api('GET', '/keys', { role: 'admin' })).body;
    expect(keys.current).toBe(newFingerprint);
    expect(keys.items.find((k: { fingerprint: string }) => k.fingerprint === oldFingerprint)).toMatchObject({ active: false, retiredAt: expect.any(String), successor: newFingerprint });

    await de.process.restart();
    await eventually('de-bka pins the new key', async () => ((await pinnedAtDe()) === newFingerprint ? true : undefined));
    await imported(afterRotation);
    expect((await de.api('GET', `/bundles/${afterRotation}`)).body.signer).toBe(newFingerprint);
    expect((await quarantinedAtDe()).map((q) => q.code)).toEqual([]);
    const history = await statementsAtDe();
    expect(history.keys.find((k: { fingerprint: string }) => k.fingerprint === oldFingerprint)).toMatchObject({ supersededAt: expect.any(String), successor: newFingerprint });
    expect(history.statements).toEqual([expect.objectContaining({ kind: 'rotation', status: 'accepted' })]);
    expect((await listAll(de, '/audit?action=partner.key-rotated')).map((e) => e.details.newFingerprint)).toEqual([newFingerprint]);
    expect((await listAll(nl, '/audit?action=key.rotated')).map((e) => e.subjectId)).toEqual([newFingerprint]);
    // nl-police's audit log verifies across the rotation: old checkpoints by the old key, reached through the rotation statement.
    expect((await nl.api('POST', '/audit/checkpoints', { role: 'auditor' })).body.signer).toBe(newFingerprint);
    const checkpoints = (await nl.api('GET', '/audit/checkpoints', { role: 'auditor' })).body.items as { signer: string }[];
    expect(new Set(checkpoints.map((c) => c.signer))).toEqual(new Set([oldFingerprint, newFingerprint]));
    expect(await verifyAuditLog(new ApiClient(nl.url, nl.tokens.auditor))).toMatchObject({ ok: true });
    // The bundle signed before the rotation still shows its (now superseded) signer.
    expect((await de.api('GET', `/bundles/${beforeRotation}`)).body.signerKey).toMatchObject({ fingerprint: oldFingerprint, status: 'superseded' });
  });

  it('refuses forged, malformed and misdirected rotation statements with their reasons; the pin stays; a replay changes nothing', async () => {
    // Signed by a fresh key (not the pinned one) for a new key of the forger's.
    const forger = await generateNodeKey({ nodeId: A, jurisdiction: 'NL' });
    const successor = await generateNodeKey({ nodeId: A, jurisdiction: 'NL' });
    const forged = await makeKeyRotation({ nodeId: A, oldPrivateKey: await readPrivateKey(forger.armoredPrivateKey), newPrivateKey: await readPrivateKey(successor.armoredPrivateKey), newArmoredPublicKey: successor.armoredPublicKey });
    // The forger names the pinned key as the old one, but cannot sign with it.
    const posing = { ...forged, rotation: { ...forged.rotation, oldFingerprint: newFingerprint } };
    // Signed by nl-police's real current key, but a rotation of another node.
    const current = await readPrivateKey(readFileSync(join(nl.dataDir, 'keys', 'node-private.asc'), 'utf8'));
    const misdirected = await makeKeyRotation({ nodeId: B, oldPrivateKey: current, newPrivateKey: await readPrivateKey(successor.armoredPrivateKey), newArmoredPublicKey: successor.armoredPublicKey });
    const cases: [string, unknown, string][] = [
      ['not signed by the pinned key', forged, 'ROTATION_OLD_KEY_NOT_PINNED'],
      ['claims the pinned key, signature by another', posing, 'ROTATION_OLD_SIGNATURE_INVALID'],
      ['a rotation of another node', misdirected, 'ROTATION_NODE_MISMATCH'],
      ['not JSON', '{"rotation": ', 'KEY_STATEMENT_MALFORMED'],
      ['neither rotation nor revocation', { hello: 'world' }, 'KEY_STATEMENT_UNKNOWN_KIND'],
      ['a rotation missing its signatures', { rotation: forged.rotation }, 'ROTATION_MALFORMED'],
    ];
    for (const [label, statement, code] of cases) {
      const hash = await publishStatement(statement);
      expect(await refusal(hash), label).toMatchObject({ status: 'refused', code });
    }
    expect(await pinnedAtDe()).toBe(newFingerprint);
    const refusedAudit = await listAll(de, '/audit?action=partner.key-statement-refused');
    expect(refusedAudit.map((e) => e.details.code).sort()).toEqual(cases.map((c) => c[2]).sort());

    // Oversize: the key stream takes nothing larger than 256 KiB (and the inbox would refuse it too).
    await expect(raw.publish(keySubject(A), new Uint8Array(300 * 1024), { 'Nats-Msg-Id': `oversize-${Date.now()}` })).rejects.toThrow(/JetStream refused|maximum|size/i);

    // The genuine rotation replayed under a new message id: recorded once, nothing changes.
    const before = (await statementsAtDe()).statements.length;
    const [genuine] = await raw.streamMessages(keyStreamName(A));
    await raw.publish(keySubject(A), genuine!.data, { 'Nats-Msg-Id': `replay-${Date.now()}` });
    // A refused statement replayed: recorded once too.
    await publishStatement(forged);
    await new Promise((r) => setTimeout(r, 2000));
    const after = await statementsAtDe();
    expect(after.statements.length).toBe(before);
    expect(after.statements.filter((s: { statementHash: string }) => s.statementHash === sha256(genuine!.data))).toEqual([expect.objectContaining({ status: 'accepted' })]);
    expect(after.pinned).toBe(newFingerprint);
  });

  it('quarantines a bundle signed by a key never pinned for its publisher: BUNDLE_SIGNER_MISMATCH', async () => {
    const stranger = await generateNodeKey({ nodeId: A, jurisdiction: 'NL' });
    const bundle = bundleAt({ publisher: A, audience: B, seq: 900, prev: 'a'.repeat(64) }, [wireIndicator(A)]);
    const msg = await signedBundle(bundle, await readPrivateKey(stranger.armoredPrivateKey), stranger.fingerprint);
    await raw.publish(feedSubject(A, B), msg.payload, msg.headers);
    const q = await eventually('the quarantined bundle', async () => (await quarantinedAtDe()).find((x) => x.payloadSha256 === sha256(msg.payload)));
    expect(q).toMatchObject({ code: 'BUNDLE_SIGNER_MISMATCH', message: expect.stringContaining('not signed by any key ever pinned') });
  });

  it('a compromise revocation: later bundles by the old key are quarantined KEY_REVOKED, earlier ones stay and say so', async () => {
    expect((await nl.api('POST', '/keys/revoke', { role: 'admin', body: { fingerprint: newFingerprint, reason: 'key-compromise' } })).body.error.code).toBe('KEY_IS_ACTIVE');
    expect((await nl.api('POST', '/keys/revoke', { role: 'admin', body: { fingerprint: 'f'.repeat(40), reason: 'key-compromise' } })).status).toBe(404);
    expect((await nl.api('POST', '/keys/revoke', { role: 'admin', body: { fingerprint: oldFingerprint, reason: 'stolen' } })).status).toBe(400);
    const compromisedAt = new Date(Date.now() - 1000).toISOString();
    const revoked = await nl.api('POST', '/keys/revoke', { role: 'admin', body: { fingerprint: oldFingerprint, reason: 'key-compromise', compromisedAt } });
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(201);
    expect(revoked.body).toMatchObject({ fingerprint: oldFingerprint, reason: 'key-compromise', compromisedAt, signer: newFingerprint });
    expect((await nl.api('POST', '/keys/revoke', { role: 'admin', body: { fingerprint: oldFingerprint, reason: 'key-compromise' } })).status).toBe(409);

    await eventually('de-bka records the revocation', async () => ((await statementsAtDe()).keys.find((k: { fingerprint: string }) => k.fingerprint === oldFingerprint)?.revokedAt ? true : undefined));
    expect((await listAll(de, '/audit?action=partner.key-revoked')).map((e) => e.details)).toEqual([expect.objectContaining({ fingerprint: oldFingerprint, reason: 'key-compromise', compromisedAt })]);

    // A bundle the thief signs with the old key now.
    const thief = await retiredKey(oldFingerprint);
    expect(fingerprintOf(thief)).toBe(oldFingerprint);
    const bundle = bundleAt({ publisher: A, audience: B, seq: 901, prev: 'b'.repeat(64) }, [wireIndicator(A)]);
    const msg = await signedBundle(bundle, thief, oldFingerprint);
    await raw.publish(feedSubject(A, B), msg.payload, msg.headers);
    const q = await eventually('the quarantined bundle', async () => (await quarantinedAtDe()).find((x) => x.payloadSha256 === sha256(msg.payload)));
    expect(q).toMatchObject({ code: 'KEY_REVOKED', message: expect.stringContaining(`revoked (key-compromise) from ${compromisedAt}`) });

    // The bundle it signed before the compromise stays imported and says its signer was revoked later.
    const earlier = await de.api('GET', `/bundles/${beforeRotation}`);
    expect(earlier.status).toBe(200);
    expect(earlier.body.signerKey).toMatchObject({ fingerprint: oldFingerprint, status: 'revoked', compromisedAt, revocationReason: 'key-compromise', note: expect.stringContaining('before that') });

    // And the feed goes on with the new key.
    await imported(await publishOne());
  });

  it('palermo keys rotate | list | revoke drive the running node through its API (admin token)', async () => {
    const api = ['--api', nl.url, '--token', nl.tokens.admin];
    const rotated = await runCli(['keys', 'rotate', '--json', ...api]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const third = JSON.parse(rotated.stdout) as { oldFingerprint: string; newFingerprint: string };
    expect(third.oldFingerprint).toBe(newFingerprint);
    const listed = await runCli(['keys', 'list', ...api]);
    expect(listed.stdout).toMatch(new RegExp(`^${third.newFingerprint}  current`, 'm'));
    expect(listed.stdout).toMatch(new RegExp(`^${oldFingerprint}  revoked .*key-compromise`, 'm'));
    const revoked = await runCli(['keys', 'revoke', newFingerprint, '--reason', 'superseded', ...api]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`revoked ${newFingerprint} (superseded)`);
    expect((await runCli(['keys', 'revoke', newFingerprint, '--reason', 'stolen', ...api])).code).toBe(2);
    expect((await runCli(['keys', 'rotate', '--api', nl.url, '--token', nl.tokens.analyst])).code).not.toBe(0);
    await eventually('de-bka pins the third key', async () => ((await pinnedAtDe()) === third.newFingerprint ? true : undefined));
    await imported(await publishOne());
  });
});
