import { beforeAll, describe, expect, it } from 'vitest';
import { generateNodeKey, readPrivateKey, readPublicKey, type NodePrivateKey, type NodePublicKey } from './bundle.keys';
import { MAX_RECEIPT_BYTES, parseReceiptBytes, receiptBytes, signReceipt, verifyReceipt, type Receipt, type SignedReceipt } from './receipt';

const HASH = 'ab'.repeat(32);
const imported: Receipt = {
  spec: 'palermo/receipt@1',
  publisher: 'nl-police',
  recipient: 'de-bka',
  bundleHash: HASH,
  seq: 3,
  audience: 'de-bka',
  receivedAt: '2026-11-29T05:00:00.000Z',
  outcome: 'imported',
  counts: { accepted: 2, pseudonymized: 1, rejected: 4 },
};
const quarantined: Receipt = { ...imported, audience: 'all', outcome: 'quarantined', counts: { accepted: 0, pseudonymized: 0, rejected: 0 }, quarantineReason: 'CHAIN_GAP' };
const bytesOf = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

describe('receipts', () => {
  let deKey: NodePrivateKey;
  let dePublic: NodePublicKey;
  let usKey: NodePrivateKey;
  let signed: SignedReceipt;

  beforeAll(async () => {
    const [de, us] = await Promise.all([generateNodeKey({ nodeId: 'de-bka', jurisdiction: 'DE' }), generateNodeKey({ nodeId: 'us-hsi', jurisdiction: 'US' })]);
    [deKey, usKey, dePublic] = await Promise.all([readPrivateKey(de.armoredPrivateKey), readPrivateKey(us.armoredPrivateKey), readPublicKey(de.armoredPublicKey)]);
    signed = await signReceipt(imported, deKey);
  });

  it('a signed receipt verifies with the recipient key and round-trips its fields and hash', async () => {
    expect(await verifyReceipt(signed.bytes, signed.signature, dePublic)).toEqual({ ok: true, receipt: imported, hash: signed.hash });
    expect(new TextDecoder().decode(signed.bytes)).toMatch(/^\{"audience":"de-bka","bundleHash":/);
    const q = await signReceipt(quarantined, deKey);
    expect(await verifyReceipt(q.bytes, q.signature, dePublic)).toMatchObject({ ok: true, receipt: { quarantineReason: 'CHAIN_GAP' } });
  });

  it('refuses a receipt changed after signing (counts raised)', async () => {
    const tampered = receiptBytes({ ...imported, counts: { ...imported.counts, accepted: 3 } });
    expect(await verifyReceipt(tampered, signed.signature, dePublic)).toMatchObject({ ok: false, code: 'RECEIPT_SIGNATURE_INVALID' });
  });

  it('refuses a receipt signed by another key (us-hsi signing for de-bka)', async () => {
    const forged = await signReceipt(imported, usKey);
    expect(await verifyReceipt(forged.bytes, forged.signature, dePublic)).toMatchObject({ ok: false, code: 'RECEIPT_SIGNER_MISMATCH' });
  });

  it('refuses a signature that is not one', async () => {
    expect(await verifyReceipt(signed.bytes, new Uint8Array([1, 2, 3]), dePublic)).toMatchObject({ ok: false, code: 'RECEIPT_SIGNATURE_INVALID' });
  });

  it.each<[string, Uint8Array, string]>([
    ['oversize bytes', new Uint8Array(MAX_RECEIPT_BYTES + 1).fill(0x20), 'RECEIPT_OVERSIZE'],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), 'RECEIPT_MALFORMED_JSON'],
    ['not JSON', bytesOf('receipt'), 'RECEIPT_MALFORMED_JSON'],
    ['null', bytesOf('null'), 'RECEIPT_SCHEMA_INVALID'],
    ['an unknown field (indicator data smuggled in)', bytesOf({ ...imported, value: '+31612345678' }), 'RECEIPT_SCHEMA_INVALID'],
    ['another spec', bytesOf({ ...imported, spec: 'palermo/receipt@2' }), 'RECEIPT_SCHEMA_INVALID'],
    ['a publisher that is no node id', bytesOf({ ...imported, publisher: 'nl.police.>' }), 'RECEIPT_SCHEMA_INVALID'],
    ['a receipt to itself', bytesOf({ ...imported, recipient: 'nl-police', audience: 'nl-police' }), 'RECEIPT_SCHEMA_INVALID'],
    ['an audience that is a third node', bytesOf({ ...imported, audience: 'us-hsi' }), 'RECEIPT_SCHEMA_INVALID'],
    ['a negative count', bytesOf({ ...imported, counts: { ...imported.counts, rejected: -1 } }), 'RECEIPT_SCHEMA_INVALID'],
    ['a fractional seq', bytesOf({ ...imported, seq: 1.5 }), 'RECEIPT_SCHEMA_INVALID'],
    ['a hash in upper case', bytesOf({ ...imported, bundleHash: HASH.toUpperCase() }), 'RECEIPT_SCHEMA_INVALID'],
    ['quarantined without a reason', bytesOf({ ...quarantined, quarantineReason: undefined }), 'RECEIPT_SCHEMA_INVALID'],
    ['imported with a reason', bytesOf({ ...imported, quarantineReason: 'CHAIN_GAP' }), 'RECEIPT_SCHEMA_INVALID'],
    ['a reason that is free text', bytesOf({ ...quarantined, quarantineReason: 'see +31612345678' }), 'RECEIPT_SCHEMA_INVALID'],
    ['quarantined with decisions', bytesOf({ ...quarantined, counts: { accepted: 1, pseudonymized: 0, rejected: 0 } }), 'RECEIPT_SCHEMA_INVALID'],
    ['a __proto__ key', bytesOf(`{"__proto__":{"x":1},${JSON.stringify(imported).slice(1)}`), 'RECEIPT_SCHEMA_INVALID'],
    ['valid but not canonical (key order)', bytesOf(imported), 'RECEIPT_NOT_CANONICAL'],
    ['canonical plus whitespace', bytesOf(`${new TextDecoder().decode(receiptBytes(imported))} `), 'RECEIPT_NOT_CANONICAL'],
  ])('refuses %s', (_name, bytes, code) => {
    expect(parseReceiptBytes(bytes)).toMatchObject({ ok: false, code });
  });

  it('signReceipt refuses to sign what the other side would refuse', async () => {
    await expect(signReceipt({ ...imported, audience: 'us-hsi' }, deKey)).rejects.toMatchObject({ code: 'RECEIPT_SCHEMA_INVALID' });
  });
});
