import { describe, expect, it, vi } from 'vitest';
import { generateNodeKey, readPrivateKey, RECEIPT_SPEC, signReceipt, type Receipt } from '@palermo/bundles';
import type { ReceiptChannel } from '@palermo/federation';
import type { PendingReceipt, Store } from '@palermo/store';
import type { NodeConfig, NodeKeys } from '../node/node-context';
import { ReceiptOutbox } from './receipt.outbox';

// The outbox publishes receipts signed at import time; after a key rotation some were signed by the
// previous key. Palermo-Signer must name the key that signed each one, not the key in use now.
describe('ReceiptOutbox', () => {
  it('names the key that signed a receipt, also one signed before a rotation', async () => {
    const [old, current] = await Promise.all([0, 1].map(() => generateNodeKey({ nodeId: 'de-bka', jurisdiction: 'DE' })));
    const receipt = (seq: number): Receipt => ({ spec: RECEIPT_SPEC, publisher: 'nl-police', recipient: 'de-bka', bundleHash: String(seq).repeat(64), seq, audience: 'de-bka', receivedAt: new Date().toISOString(), outcome: 'imported', counts: { accepted: 1, pseudonymized: 0, rejected: 0 } });
    const pending: PendingReceipt[] = [];
    for (const [seq, key] of [[1, old], [2, current]] as const) {
      const signed = await signReceipt(receipt(seq), await readPrivateKey(key.armoredPrivateKey));
      pending.push({ id: String(seq), publisher: 'nl-police', bundleHash: signed.receipt.bundleHash, receiptHash: signed.hash, bytes: signed.bytes, signature: signed.signature, attempts: 0 });
    }
    const store = {
      receipts: {
        pending: async (_limit: number, after: string) => pending.filter((p) => Number(p.id) > Number(after)),
        markPublished: async () => undefined,
        markFailed: async () => undefined,
      },
    } as unknown as Store;
    const published: { receiptHash: string; signerFingerprint: string }[] = [];
    const channel = { publish: async (input: { receiptHash: string; signerFingerprint: string }) => void published.push(input) } as unknown as ReceiptChannel;
    const outbox = new ReceiptOutbox(store, channel, { nodeId: 'de-bka' } as NodeConfig, { fingerprint: current.fingerprint } as NodeKeys);
    outbox.kick();
    await vi.waitFor(() => expect(published).toHaveLength(2));
    expect(published.map((p) => [p.receiptHash, p.signerFingerprint])).toEqual([
      [pending[0]!.receiptHash, old.fingerprint],
      [pending[1]!.receiptHash, current.fingerprint],
    ]);
  });
});
