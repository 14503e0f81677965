import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptAll, activeAgreement, BACKENDS, bundleOf, nodeId, openTestStore, sha256, wire, type TestStore } from '../store.fixtures';
import type { Store } from '../store';
import type { IncomingReceipt, OutgoingReceipt } from '../store.types';

const fakeReceipt = (publisher: string, bundleHash: string, outcome: 'imported' | 'quarantined' = 'imported'): OutgoingReceipt => {
  const bytes = new Uint8Array(randomBytes(200));
  return { publisher, bundleHash, seq: 1, audience: 'all', outcome, receiptHash: sha256(bytes), bytes, signature: new Uint8Array(randomBytes(119)) };
};

describe.each(BACKENDS)('receipts (%s)', (backend) => {
  let t: TestStore;
  let store: Store;
  beforeAll(async () => {
    t = await openTestStore(backend, 'receipts');
    store = t.store;
  });
  afterAll(async () => t?.dispose());

  it('the import transaction puts the receipt in the outbox with its audit entry; a redelivery issues none; published leaves the outbox', async () => {
    const publisher = nodeId('p');
    const made = bundleOf(publisher, 'all', 1, null, [{ op: 'upsert', indicator: wire(publisher) }]);
    const receipt = fakeReceipt(publisher, made.hash);
    expect(await store.imports.commitImport({ ...acceptAll(made), receipt })).toBe('imported');
    expect(await store.imports.commitImport({ ...acceptAll(made), receipt: fakeReceipt(publisher, made.hash) })).toBe('duplicate');
    const pending = (await store.receipts.pending(1000)).filter((p) => p.publisher === publisher);
    expect(pending).toEqual([expect.objectContaining({ bundleHash: made.hash, receiptHash: receipt.receiptHash, attempts: 0 })]);
    expect(Buffer.from(pending[0]!.bytes).equals(Buffer.from(receipt.bytes))).toBe(true);
    expect((await store.audit.list({ action: 'receipt.issued', subjectId: receipt.receiptHash })).items).toHaveLength(1);
    await store.receipts.markFailed(pending[0]!.id, 'NATS_UNAVAILABLE: down');
    expect((await store.receipts.pending(1000)).find((p) => p.id === pending[0]!.id)?.attempts).toBe(1);
    await store.receipts.markPublished(pending[0]!.id);
    expect((await store.receipts.pending(1000)).some((p) => p.id === pending[0]!.id)).toBe(false);
  });

  it('a quarantine record carries its receipt in the same transaction (once per bundle)', async () => {
    const publisher = nodeId('p');
    const hash = sha256(randomBytes(10));
    const receipt = { ...fakeReceipt(publisher, hash, 'quarantined'), quarantineReason: 'CHAIN_SEQ_GAP' };
    const record = { publisher, audience: 'all', subject: `palermo.v1.feed.${publisher}.all`, payload: new Uint8Array(randomBytes(50)), headers: {}, code: 'CHAIN_SEQ_GAP', message: 'gap' };
    expect(await store.quarantine.add({ ...record, receipt })).toMatchObject({ duplicate: false });
    expect(await store.quarantine.add({ ...record, receipt })).toMatchObject({ duplicate: true });
    expect((await store.receipts.pending(1000)).filter((p) => p.publisher === publisher).map((p) => p.receiptHash)).toEqual([receipt.receiptHash]);
  });

  it('a received receipt is stored once, audited once, listed per bundle and counted in the partner status', async () => {
    const me = nodeId('me');
    const partner = nodeId('q');
    const made = bundleOf(me, 'all', 1, null, []);
    expect(await store.bundles.saveOutbound({ ...made, exported: [] })).toBe('saved');
    await store.bundles.markPublished(made.hash, 1);
    expect(await store.receipts.sentBundle(made.hash)).toEqual({ audience: 'all', seq: 1 });
    expect(await store.receipts.sentBundle('0'.repeat(64))).toBeNull();
    const bytes = new Uint8Array(randomBytes(100));
    const incoming: IncomingReceipt = {
      recipient: partner,
      bundleHash: made.hash,
      seq: 1,
      audience: 'all',
      outcome: 'imported',
      counts: { accepted: 2, pseudonymized: 1, rejected: 3 },
      quarantineReason: null,
      receivedAt: new Date().toISOString(),
      receiptHash: sha256(bytes),
      bytes,
      signature: new Uint8Array(randomBytes(119)),
      signer: 'b'.repeat(40),
    };
    expect(await store.receipts.recordReceived(incoming)).toEqual({ duplicate: false });
    expect(await store.receipts.recordReceived(incoming)).toEqual({ duplicate: true });
    expect((await store.audit.list({ action: 'receipt.received', subjectId: incoming.receiptHash })).items).toHaveLength(1);
    expect(await store.receipts.forBundle(made.hash)).toEqual([expect.objectContaining({ recipient: partner, outcome: 'imported', counts: incoming.counts, signer: incoming.signer })]);
    const status = await store.receipts.partnerStatus(partner);
    expect(status.map((c) => c.audience)).toEqual([partner, 'all']);
    expect(status[0]).toMatchObject({ sent: 0, outstanding: 0 });
    // Other tests' `all` bundles are sent too; this partner receipted exactly this one.
    expect(status[1]).toMatchObject({ receipted: 1, imported: 1, quarantined: 0, counts: incoming.counts });
    expect(status[1]!.outstanding).toBe(status[1]!.sent - 1);
  });

  it('counts the published bundles of one own chain at or below a recipient’s delivered and ack-floor stream seqs', async () => {
    const me = nodeId('me');
    const partner = nodeId('d');
    await activeAgreement(store, partner);
    const b1 = bundleOf(me, partner, 1, null, []);
    const b2 = bundleOf(me, partner, 2, b1.hash, []);
    const b3 = bundleOf(me, partner, 3, b2.hash, []);
    const b4 = bundleOf(me, partner, 4, b3.hash, []);
    for (const made of [b1, b2, b3, b4]) expect(await store.bundles.saveOutbound({ ...made, exported: [] })).toBe('saved');
    for (const [made, streamSeq] of [[b1, 10], [b2, 12], [b3, 15]] as const) await store.bundles.markPublished(made.hash, streamSeq);
    expect(await store.receipts.deliveryCounts(partner, 0, 0)).toEqual({ delivered: 0, lastSeqDelivered: null, acked: 0, lastSeqAcked: null });
    expect(await store.receipts.deliveryCounts(partner, 12, 10)).toEqual({ delivered: 2, lastSeqDelivered: 2, acked: 1, lastSeqAcked: 1 });
    // b4 is not published: however far the consumer got, it is not delivered.
    expect(await store.receipts.deliveryCounts(partner, 99, 99)).toEqual({ delivered: 3, lastSeqDelivered: 3, acked: 3, lastSeqAcked: 3 });
    expect(await store.receipts.deliveryCounts(nodeId('none'), 99, 99)).toEqual({ delivered: 0, lastSeqDelivered: null, acked: 0, lastSeqAcked: null });
  });
});
