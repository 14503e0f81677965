import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateNodeKey, readPrivateKey, type NodeKeyMaterial, type NodePrivateKey } from './bundle.keys';
import { makeCheckpoint, verifyBundleInclusion, verifyCheckpoint, type SignedCheckpoint } from './log.checkpoint';
import { detectFork } from './log.fork';
import { makeWitnessSignature, verifyWitnessSignature, type SignedWitness } from './log.witness';
import { signStatement } from './signed.statement';
import { bundleLeaf, consistencyProof, EMPTY_TREE_ROOT, inclusionProof, merkleRoot } from './merkle/merkle.tree';

const NOW = new Date('2026-11-29T00:00:00.000Z');
const MINUTE = 60_000;
const hashes = Array.from({ length: 12 }, (_, i) => createHash('sha256').update(`bundle ${i}`).digest('hex'));
const leaves = hashes.map(bundleLeaf);
const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('feed-log checkpoints, witnesses and forks', () => {
  let nl: NodeKeyMaterial;
  let nlKey: NodePrivateKey;
  let de: NodeKeyMaterial;
  let deKey: NodePrivateKey;
  let cp8: SignedCheckpoint;
  let cp12: SignedCheckpoint;
  let witnessed: SignedWitness;
  const verifyNl = (raw: unknown, extra: { now?: Date; maxAgeMs?: number } = {}) => verifyCheckpoint(raw, nl.armoredPublicKey, { publisher: 'nl-police', now: NOW, ...extra });

  beforeAll(async () => {
    [nl, de] = await Promise.all([generateNodeKey({ nodeId: 'nl-police', jurisdiction: 'NL' }), generateNodeKey({ nodeId: 'de-bka', jurisdiction: 'DE' })]);
    [nlKey, deKey] = await Promise.all([readPrivateKey(nl.armoredPrivateKey), readPrivateKey(de.armoredPrivateKey)]);
    cp8 = await makeCheckpoint({ publisher: 'nl-police', treeSize: 8, rootHash: merkleRoot(leaves.slice(0, 8)), at: new Date(NOW.getTime() - 60 * MINUTE), privateKey: nlKey });
    cp12 = await makeCheckpoint({ publisher: 'nl-police', treeSize: 12, rootHash: merkleRoot(leaves), at: NOW, privateKey: nlKey });
    witnessed = await makeWitnessSignature({ witness: 'de-bka', signedCheckpoint: json(cp12), publisher: 'nl-police', publisherArmoredPublicKey: nl.armoredPublicKey, at: NOW, privateKey: deKey });
  });

  describe('checkpoints', () => {
    it('a checkpoint verifies through JSON with the publisher pinned key', async () => {
      expect(await verifyNl(json(cp12))).toEqual({ ok: true, checkpoint: cp12.checkpoint });
      expect(cp12.checkpoint).toEqual({ spec: 'palermo/checkpoint@1', publisher: 'nl-police', treeSize: 12, rootHash: merkleRoot(leaves), at: NOW.toISOString(), signer: nl.fingerprint });
      expect(cp12.signature).toMatch(/^-----BEGIN PGP SIGNATURE-----/);
    });

    it('an empty log checkpoints the empty-tree root, and only that', async () => {
      const empty = await makeCheckpoint({ publisher: 'nl-police', treeSize: 0, rootHash: EMPTY_TREE_ROOT, at: NOW, privateKey: nlKey });
      expect(await verifyNl(empty)).toMatchObject({ ok: true });
      await expect(makeCheckpoint({ publisher: 'nl-police', treeSize: 0, rootHash: cp8.checkpoint.rootHash, at: NOW, privateKey: nlKey })).rejects.toMatchObject({ code: 'CHECKPOINT_INVALID' });
      await expect(makeCheckpoint({ publisher: 'NL', treeSize: 1, rootHash: EMPTY_TREE_ROOT, at: NOW, privateKey: nlKey })).rejects.toMatchObject({ code: 'CHECKPOINT_INVALID' });
    });

    it.each<[string, (c: SignedCheckpoint) => unknown, string]>([
      ['a larger tree size', (c) => ({ ...c, checkpoint: { ...c.checkpoint, treeSize: 13 } }), 'CHECKPOINT_SIGNATURE_INVALID'],
      ['another root', (c) => ({ ...c, checkpoint: { ...c.checkpoint, rootHash: EMPTY_TREE_ROOT.replace('e', 'f') } }), 'CHECKPOINT_SIGNATURE_INVALID'],
      ['another time', (c) => ({ ...c, checkpoint: { ...c.checkpoint, at: '2026-11-28T23:00:00.000Z' } }), 'CHECKPOINT_SIGNATURE_INVALID'],
      ['the signature of another checkpoint', (c) => ({ ...c, signature: cp8.signature }), 'CHECKPOINT_SIGNATURE_INVALID'],
      ['a signature that is no signature', (c) => ({ ...c, signature: 'hello' }), 'CHECKPOINT_SIGNATURE_INVALID'],
      ['another publisher named', (c) => ({ ...c, checkpoint: { ...c.checkpoint, publisher: 'de-bka' } }), 'CHECKPOINT_PUBLISHER_MISMATCH'],
      ['another signer named', (c) => ({ ...c, checkpoint: { ...c.checkpoint, signer: de.fingerprint } }), 'CHECKPOINT_SIGNER_MISMATCH'],
      ['a negative size', (c) => ({ ...c, checkpoint: { ...c.checkpoint, treeSize: -1 } }), 'CHECKPOINT_MALFORMED'],
      ['a fractional size', (c) => ({ ...c, checkpoint: { ...c.checkpoint, treeSize: 1.5 } }), 'CHECKPOINT_MALFORMED'],
      ['a size as a string', (c) => ({ ...c, checkpoint: { ...c.checkpoint, treeSize: '12' } }), 'CHECKPOINT_MALFORMED'],
      ['an upper-case root', (c) => ({ ...c, checkpoint: { ...c.checkpoint, rootHash: c.checkpoint.rootHash.toUpperCase() } }), 'CHECKPOINT_MALFORMED'],
      ['an unknown field', (c) => ({ ...c, checkpoint: { ...c.checkpoint, note: 'x' } }), 'CHECKPOINT_MALFORMED'],
      ['another spec', (c) => ({ ...c, checkpoint: { ...c.checkpoint, spec: 'palermo/checkpoint@2' } }), 'CHECKPOINT_MALFORMED'],
      ['a 1 MiB signature', (c) => ({ ...c, signature: 'A'.repeat(1 << 20) }), 'CHECKPOINT_MALFORMED'],
      ['an array', () => [], 'CHECKPOINT_MALFORMED'],
      ['null', () => null, 'CHECKPOINT_MALFORMED'],
    ])('refuses %s', async (_name, tamper, code) => {
      expect(await verifyNl(tamper(json(cp12)))).toMatchObject({ ok: false, code });
    });

    it('refuses a checkpoint signed by another key than the pinned one, even naming the pinned signer', async () => {
      const forged = await makeCheckpoint({ publisher: 'nl-police', treeSize: 12, rootHash: merkleRoot(leaves), at: NOW, privateKey: deKey });
      expect(await verifyNl(forged)).toMatchObject({ ok: false, code: 'CHECKPOINT_SIGNER_MISMATCH' });
      expect(await verifyNl({ ...forged, checkpoint: { ...forged.checkpoint, signer: nl.fingerprint } })).toMatchObject({ ok: false, code: 'CHECKPOINT_SIGNATURE_INVALID' });
      expect(await verifyCheckpoint(cp12, 'not a key', { publisher: 'nl-police', now: NOW })).toMatchObject({ ok: false, code: 'CHECKPOINT_KEY_INVALID' });
      expect(await verifyCheckpoint(cp12, nl.armoredPrivateKey, { publisher: 'nl-police', now: NOW })).toMatchObject({ ok: false, code: 'CHECKPOINT_KEY_INVALID' });
    });

    it('a partner checks that each bundle it imported is in the log the checkpoint describes', () => {
      for (const i of [0, 7, 11]) {
        const proof = inclusionProof(leaves, i);
        expect(verifyBundleInclusion(hashes[i]!, i, proof, cp12.checkpoint)).toEqual({ ok: true });
        expect(verifyBundleInclusion(hashes[i]!, i, proof, cp8.checkpoint)).toMatchObject({ ok: false });
        expect(verifyBundleInclusion(hashes[(i + 1) % 12]!, i, proof, cp12.checkpoint)).toMatchObject({ ok: false, code: 'MERKLE_PROOF_INVALID' });
      }
      expect(verifyBundleInclusion('not a hash', 0, [], cp12.checkpoint)).toMatchObject({ ok: false, code: 'MERKLE_INPUT_INVALID' });
    });

    it('refuses a checkpoint from the future and, when asked, a stale one', async () => {
      expect(await verifyNl(cp12, { now: new Date(NOW.getTime() - 11 * MINUTE) })).toMatchObject({ ok: false, code: 'CHECKPOINT_NOT_YET_VALID' });
      expect(await verifyNl(cp12, { now: new Date(NOW.getTime() - 9 * MINUTE) })).toMatchObject({ ok: true });
      expect(await verifyNl(cp8, { maxAgeMs: 30 * MINUTE })).toMatchObject({ ok: false, code: 'CHECKPOINT_STALE' });
      expect(await verifyNl(cp8, { maxAgeMs: 90 * MINUTE })).toMatchObject({ ok: true });
    });
  });

  describe('witness countersignatures', () => {
    const verifyDe = (raw: unknown, now = NOW) => verifyWitnessSignature(raw, de.armoredPublicKey, { witness: 'de-bka', now });

    it('a partner countersigns a checkpoint it verified; the countersignature verifies with its key', async () => {
      expect(await verifyDe(json(witnessed))).toEqual({ ok: true, statement: witnessed.statement });
      expect(witnessed.statement).toEqual({ spec: 'palermo/witness@1', witness: 'de-bka', signer: de.fingerprint, checkpoint: cp12, at: NOW.toISOString() });
      // The publisher's signature travels with the countersignature, so anyone can re-check it.
      expect(await verifyNl(witnessed.statement.checkpoint)).toMatchObject({ ok: true });
    });

    it('refuses to countersign a checkpoint that does not verify', async () => {
      const tampered = { ...cp12, checkpoint: { ...cp12.checkpoint, treeSize: 100 } };
      const input = { witness: 'de-bka', publisher: 'nl-police', publisherArmoredPublicKey: nl.armoredPublicKey, at: NOW, privateKey: deKey };
      await expect(makeWitnessSignature({ ...input, signedCheckpoint: tampered })).rejects.toMatchObject({ code: 'CHECKPOINT_SIGNATURE_INVALID' });
      await expect(makeWitnessSignature({ ...input, signedCheckpoint: cp12, publisher: 'fr-police' })).rejects.toMatchObject({ code: 'CHECKPOINT_PUBLISHER_MISMATCH' });
      await expect(makeWitnessSignature({ ...input, signedCheckpoint: cp12, publisherArmoredPublicKey: de.armoredPublicKey })).rejects.toMatchObject({ code: 'CHECKPOINT_SIGNER_MISMATCH' });
    });

    it.each<[string, (w: SignedWitness) => unknown, string]>([
      ['a witnessed checkpoint changed', (w) => ({ ...w, statement: { ...w.statement, checkpoint: { ...w.statement.checkpoint, checkpoint: { ...w.statement.checkpoint.checkpoint, treeSize: 99 } } } }), 'WITNESS_SIGNATURE_INVALID'],
      ['the publisher signature dropped', (w) => ({ ...w, statement: { ...w.statement, checkpoint: w.statement.checkpoint.checkpoint } }), 'WITNESS_MALFORMED'],
      ['another time', (w) => ({ ...w, statement: { ...w.statement, at: '2026-11-29T00:01:00.000Z' } }), 'WITNESS_SIGNATURE_INVALID'],
      ['a signature that is no signature', (w) => ({ ...w, signature: 'x' }), 'WITNESS_SIGNATURE_INVALID'],
      ['another witness named', (w) => ({ ...w, statement: { ...w.statement, witness: 'fr-police' } }), 'WITNESS_NODE_MISMATCH'],
      ['another signer named', (w) => ({ ...w, statement: { ...w.statement, signer: nl.fingerprint } }), 'WITNESS_SIGNER_MISMATCH'],
      ['a malformed witnessed checkpoint', (w) => ({ ...w, statement: { ...w.statement, checkpoint: { ...w.statement.checkpoint, checkpoint: { ...w.statement.checkpoint.checkpoint, rootHash: 'x' } } } }), 'WITNESS_MALFORMED'],
      ['an unknown field', (w) => ({ ...w, extra: 1 }), 'WITNESS_MALFORMED'],
      ['a string', () => 'witness', 'WITNESS_MALFORMED'],
    ])('refuses %s', async (_name, tamper, code) => {
      expect(await verifyDe(tamper(json(witnessed)))).toMatchObject({ ok: false, code });
    });

    it('refuses a countersignature from the future, one dated before the checkpoint, and one by a key not pinned for the witness', async () => {
      expect(await verifyDe(witnessed, new Date(NOW.getTime() - 20 * MINUTE))).toMatchObject({ ok: false, code: 'WITNESS_NOT_YET_VALID' });
      // makeWitnessSignature refuses a checkpoint from its future; a hostile witness signs by hand.
      const statement = { ...witnessed.statement, at: new Date(NOW.getTime() - 30 * MINUTE).toISOString() };
      const early = { statement, signature: await signStatement(statement, deKey) };
      expect(await verifyDe(early)).toMatchObject({ ok: false, code: 'WITNESS_BEFORE_CHECKPOINT' });
      expect(await verifyWitnessSignature(witnessed, nl.armoredPublicKey, { witness: 'de-bka', now: NOW })).toMatchObject({ ok: false, code: 'WITNESS_SIGNER_MISMATCH' });
    });
  });

  describe('fork detection', () => {
    it('two checkpoints of one append-only log are consistent, in either order, with the publisher\'s proof', () => {
      const proof = consistencyProof(leaves, 8);
      expect(detectFork(cp8, cp12, proof)).toEqual({ status: 'consistent' });
      expect(detectFork(cp12, cp8, proof)).toEqual({ status: 'consistent' });
      expect(detectFork(cp12, json(cp12))).toEqual({ status: 'consistent' });
      expect(detectFork(cp8, cp12)).toMatchObject({ status: 'unproven' });
    });

    it('a witness detects a publisher that signs two histories of the same size', async () => {
      const forged = [...hashes.slice(0, 5), createHash('sha256').update('rewritten').digest('hex'), ...hashes.slice(6)].map(bundleLeaf);
      const other = await makeCheckpoint({ publisher: 'nl-police', treeSize: 12, rootHash: merkleRoot(forged), at: new Date(NOW.getTime() + MINUTE), privateKey: nlKey });
      // Each checkpoint is valid on its own: the fork shows only when they are compared.
      expect(await verifyNl(other, { now: new Date(NOW.getTime() + MINUTE) })).toMatchObject({ ok: true });
      const result = detectFork(other, cp12);
      expect(result).toMatchObject({ status: 'fork', report: { publisher: 'nl-police', reason: 'SAME_SIZE_DIFFERENT_ROOT', first: cp12, second: other } });
    });

    it('two witnesses shown different histories hold, together, the evidence of the fork', async () => {
      const forged = [...hashes.slice(0, 11), createHash('sha256').update('rewritten').digest('hex')].map(bundleLeaf);
      const shownToFr = await makeCheckpoint({ publisher: 'nl-police', treeSize: 12, rootHash: merkleRoot(forged), at: NOW, privateKey: nlKey });
      // de-bka's key stands in for fr-police's: only the embedded publisher checkpoints matter here.
      const byFr = await makeWitnessSignature({ witness: 'fr-police', signedCheckpoint: shownToFr, publisher: 'nl-police', publisherArmoredPublicKey: nl.armoredPublicKey, at: NOW, privateKey: deKey });
      const result = detectFork(json(witnessed).statement.checkpoint, json(byFr).statement.checkpoint);
      expect(result).toMatchObject({ status: 'fork', report: { reason: 'SAME_SIZE_DIFFERENT_ROOT' } });
    });

    it('a witness detects a larger checkpoint that does not extend the smaller one', async () => {
      const forged = [...hashes.slice(0, 3), createHash('sha256').update('rewritten').digest('hex'), ...hashes.slice(4)].map(bundleLeaf);
      const rewritten = await makeCheckpoint({ publisher: 'nl-police', treeSize: 12, rootHash: merkleRoot(forged), at: NOW, privateKey: nlKey });
      const proof = consistencyProof(forged, 8); // the best the publisher can offer
      const result = detectFork(cp8, rewritten, proof);
      expect(result).toMatchObject({ status: 'fork', report: { reason: 'CONSISTENCY_PROOF_FAILED', first: cp8, second: rewritten, consistencyProof: proof } });
      expect(detectFork(cp8, cp12, ['zz'])).toMatchObject({ status: 'fork', report: { reason: 'CONSISTENCY_PROOF_FAILED' } });
    });

    it('a log that shrinks over time is a fork', async () => {
      const later = await makeCheckpoint({ publisher: 'nl-police', treeSize: 8, rootHash: cp8.checkpoint.rootHash, at: new Date(NOW.getTime() + MINUTE), privateKey: nlKey });
      expect(detectFork(cp12, later, consistencyProof(leaves, 8))).toMatchObject({ status: 'fork', report: { reason: 'TREE_SHRANK', first: later, second: cp12 } });
    });

    it('every log extends the empty one', async () => {
      const empty = await makeCheckpoint({ publisher: 'nl-police', treeSize: 0, rootHash: EMPTY_TREE_ROOT, at: new Date(NOW.getTime() - 2 * 60 * MINUTE), privateKey: nlKey });
      expect(detectFork(empty, cp12)).toEqual({ status: 'consistent' });
      expect(detectFork(cp12, empty, ['junk'])).toEqual({ status: 'consistent' });
    });

    it('checkpoints of two publishers are not compared', async () => {
      const deCp = await makeCheckpoint({ publisher: 'de-bka', treeSize: 12, rootHash: merkleRoot(leaves), at: NOW, privateKey: deKey });
      expect(() => detectFork(cp12, deCp)).toThrow(expect.objectContaining({ code: 'FORK_CHECK_PUBLISHERS_DIFFER' }));
    });
  });
});
