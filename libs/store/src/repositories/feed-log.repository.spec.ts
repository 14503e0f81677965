import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { bundleLeaf, merkleRoot, verifyConsistency, verifyInclusion, leafHash, EMPTY_TREE_ROOT } from '@palermo/bundles';
import { acceptAll, BACKENDS, bundleOf, nodeId, openTestStore, type TestStore } from '../store.fixtures';
import { query } from '../sql.helper';
import type { Store } from '../store';

describe.each(BACKENDS)('feed log (%s)', (backend) => {
  let t: TestStore;
  let store: Store;
  const me = nodeId('me');
  const emitted: string[] = [];
  beforeAll(async () => {
    t = await openTestStore(backend, 'feedlog');
    store = t.store;
  });
  afterAll(async () => t?.dispose());
  const em = () => store.orm.em.fork() as unknown as EntityManager;

  it('appends every stored outbound bundle, in storing order, in the same transaction', async () => {
    expect(await store.feedLog.head()).toEqual({ treeSize: 0, rootHash: EMPTY_TREE_ROOT });
    let prev: string | null = null;
    for (let seq = 1; seq <= 6; seq++) {
      const made = bundleOf(me, 'all', seq, prev, []);
      await store.bundles.saveOutbound({ ...made, exported: [] });
      emitted.push(made.hash);
      prev = made.hash;
    }
    // A batch of two audiences, then a duplicate that stores (and appends) nothing.
    const a = bundleOf(me, 'all', 7, prev, []);
    const b = bundleOf(nodeId('x'), 'all', 1, null, []);
    await store.bundles.saveOutbound({ bundles: [a, b], exported: [], decisions: [] });
    emitted.push(a.hash, b.hash);
    expect(await store.bundles.saveOutbound({ ...a, exported: [] })).toBe('duplicate');
    // An imported bundle is not this node's: not in its log.
    const inbound = bundleOf(nodeId('p'), 'all', 1, null, []);
    await store.imports.commitImport(acceptAll(inbound));
    expect(await store.feedLog.leafIndex(inbound.hash)).toBeNull();

    const head = await store.feedLog.head();
    expect(head).toEqual({ treeSize: 8, rootHash: merkleRoot(emitted.map(bundleLeaf)) });
    expect(await store.feedLog.leafIndex(emitted[6]!)).toBe(6);
  });

  it('proves inclusion and consistency from the stored subtrees (RFC 9162)', async () => {
    for (let size = 1; size <= emitted.length; size++) {
      const root = merkleRoot(emitted.slice(0, size).map(bundleLeaf));
      for (let i = 0; i < size; i++) {
        const { leafIndex, proof } = await store.feedLog.inclusion(emitted[i]!, size);
        expect(leafIndex).toBe(i);
        expect(verifyInclusion(leafHash(bundleLeaf(emitted[i]!)), i, size, proof, root)).toEqual({ ok: true });
      }
      for (let m = 0; m <= size; m++) {
        const rootM = merkleRoot(emitted.slice(0, m).map(bundleLeaf));
        expect(verifyConsistency(m, size, rootM, root, await store.feedLog.consistency(m, size))).toEqual({ ok: true });
      }
    }
  });

  it('refuses proofs it cannot give with explicit codes', async () => {
    await expect(store.feedLog.inclusion('f'.repeat(64), 3)).rejects.toMatchObject({ code: 'LOG_HASH_UNKNOWN' });
    await expect(store.feedLog.inclusion(emitted[5]!, 3)).rejects.toMatchObject({ code: 'LOG_NOT_COVERED' });
    await expect(store.feedLog.inclusion(emitted[0]!, 99)).rejects.toMatchObject({ code: 'LOG_SIZE_BEYOND_TREE' });
    await expect(store.feedLog.consistency(2, 99)).rejects.toMatchObject({ code: 'LOG_SIZE_BEYOND_TREE' });
    await expect(store.feedLog.consistency(5, 2)).rejects.toMatchObject({ code: 'LOG_PROOF_REQUEST_MALFORMED' });
  });

  it('is append-only: UPDATE, DELETE and TRUNCATE are refused, the head never moves back', async () => {
    await expect(query(em(), `update feed_log set bundle_hash = ? where leaf_index = 0`, ['0'.repeat(64)])).rejects.toThrow(/append-only/);
    await expect(query(em(), `delete from feed_log_node where level = 0`)).rejects.toThrow(/append-only/);
    await expect(query(em(), `truncate feed_log`)).rejects.toThrow(/append-only/);
    await expect(query(em(), `update feed_log_head set size = 1`)).rejects.toThrow(/only moves forward/);
    expect((await store.feedLog.head()).treeSize).toBe(8);
  });

  it('keeps one checkpoint per size, and one countersignature per witness and checkpoint', async () => {
    const head = await store.feedLog.head();
    const input = { ...head, at: new Date().toISOString(), signer: 'a'.repeat(40), signed: { checkpoint: { treeSize: head.treeSize }, signature: 's' } };
    const first = await store.feedLog.addCheckpoint(input);
    expect(await store.feedLog.addCheckpoint({ ...input, at: new Date(Date.now() + 1000).toISOString() })).toEqual(first);
    expect((await store.feedLog.unpublishedCheckpoints()).map((c) => c.id)).toEqual([first.id]);
    await store.feedLog.markCheckpointPublished(first.id);
    expect(await store.feedLog.unpublishedCheckpoints()).toEqual([]);
    const witness = { checkpointId: first.id, witness: 'de-bka', signer: 'b'.repeat(40), at: new Date().toISOString(), signed: { statement: {}, signature: 'w' } };
    expect(await store.feedLog.addWitness(witness)).toEqual({ duplicate: false });
    expect(await store.feedLog.addWitness({ ...witness, at: new Date(Date.now() + 5).toISOString() })).toEqual({ duplicate: true });
    const page = await store.feedLog.checkpoints({ limit: 10 });
    expect(page.items).toEqual([expect.objectContaining({ treeSize: 8, rootHash: head.rootHash, publishedAt: expect.any(String), witnesses: [expect.objectContaining({ witness: 'de-bka' })] })]);
    expect(await store.feedLog.checkpointAt(8)).toMatchObject({ id: first.id });
  });

  it('witness side: verified checkpoints never go back, imports wait for inclusion, forks are kept once', async () => {
    const publisher = nodeId('pub');
    const imported = [bundleOf(publisher, 'all', 1, null, [])];
    imported.push(bundleOf(publisher, 'all', 2, imported[0]!.hash, []));
    for (const made of imported) await store.imports.commitImport(acceptAll(made));
    // Each with the creation time the publisher signed into it (the witness's clock for "covered by a checkpoint").
    expect(await store.logPartners.pendingInclusions(publisher, 10)).toEqual(imported.map((m) => expect.objectContaining({ hash: m.hash, createdAt: m.bundle.createdAt })));
    await store.logPartners.recordVerified(publisher, { treeSize: 5, rootHash: 'c'.repeat(64), signed: { n: 5 } });
    await store.logPartners.recordVerified(publisher, { treeSize: 3, rootHash: 'd'.repeat(64), signed: { n: 3 } });
    expect(await store.logPartners.state(publisher)).toMatchObject({ state: 'ok', treeSize: 5, rootHash: 'c'.repeat(64) });
    await store.logPartners.recordInclusions(publisher, [{ bundleHash: imported[0]!.hash, leafIndex: 0, treeSize: 5 }]);
    await store.logPartners.recordInclusions(publisher, [{ bundleHash: imported[0]!.hash, leafIndex: 0, treeSize: 5 }]);
    expect(await store.logPartners.inclusionCounts(publisher)).toEqual({ verified: 1, pending: 1 });
    const fork = { publisher, code: 'LOG_FORK' as const, reason: 'SAME_SIZE_DIFFERENT_ROOT', message: 'two roots', evidence: { first: 1, second: 2 } };
    expect(await store.logPartners.recordFork(fork)).toMatchObject({ duplicate: false });
    expect(await store.logPartners.recordFork(fork)).toMatchObject({ duplicate: true });
    expect(await store.logPartners.state(publisher)).toMatchObject({ state: 'forked', forkedAt: expect.any(String) });
    expect(await store.logPartners.forks(publisher)).toEqual([expect.objectContaining({ code: 'LOG_FORK', evidence: { first: 1, second: 2 } })]);
    const audit = await store.audit.list({ action: 'log.fork', subjectId: publisher });
    expect(audit.items).toHaveLength(1);
  });
});
