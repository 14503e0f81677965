import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildBundle,
  canonicalBytes,
  generateNodeKey,
  makeKeyRevocation,
  makeKeyRotation,
  readPrivateKey,
  signDetached,
  signReceipt,
  verifyReceipt,
  type Bundle,
  type Receipt,
  type ReceiptResult,
  type NodePrivateKey,
} from '@palermo/bundles';
import type { KeyStatementMessage } from '@palermo/federation';
import { generateKey } from 'openpgp';
import { openStore, type Store } from '@palermo/store';
import { createTestDatabase } from '@palermo/testing';
import { KeyStatementInbox } from '../../apps/node/src/keys/key-statement.inbox';
import { keyStatementBytes, MAX_KEY_STATEMENT_BYTES } from '../../apps/node/src/keys/key-statement.reader';
import type { KeysLifecycle } from '../../apps/node/src/keys/keys.lifecycle';
import { SignerKeys } from '../../apps/node/src/keys/signer.keys';
import { SUPERSEDED_GRACE_MS } from '../../apps/node/src/keys/signer.validity';

// The partner's side of key statements on a real database (both backends): what the key stream's
// handler accepts, refuses (with the reason, once) and changes, and how the bundle verifier's
// signature step then treats bundles signed by the current, a superseded, a revoked and a foreign key.
const P = 'nl-police';

interface Key {
  fingerprint: string;
  armoredPublicKey: string;
  privateKey: NodePrivateKey;
}
const newKey = async (): Promise<Key> => {
  const m = await generateNodeKey({ nodeId: P, jurisdiction: 'NL' });
  return { fingerprint: m.fingerprint, armoredPublicKey: m.armoredPublicKey, privateKey: await readPrivateKey(m.armoredPrivateKey) };
};

const BACKENDS = ['postgresql', 'pglite'] as const;
interface TestStore {
  store: Store;
  dispose(): Promise<void>;
}
/** A store on a fresh `palermo_test_*` PostgreSQL database, or on in-memory PGlite. */
async function openTestStore(backend: (typeof BACKENDS)[number], suite: string): Promise<TestStore> {
  if (backend === 'pglite') {
    const store = await openStore({});
    return { store, dispose: () => store.close() };
  }
  const db = await createTestDatabase(suite);
  const store = await openStore({ databaseUrl: db.url }).catch(async (error: unknown) => {
    await db.drop();
    throw error;
  });
  return {
    store,
    dispose: async () => {
      await store.close();
      await db.drop();
    },
  };
}

let seq = 0;
const message = (payload: Uint8Array | object, publisher = P): KeyStatementMessage => ({
  publisher,
  subject: `palermo.v1.key.${publisher}`,
  payload: payload instanceof Uint8Array ? payload : keyStatementBytes(payload),
  headers: {},
  streamSeq: ++seq,
  redelivered: false,
});

describe.each(BACKENDS)('key statements at a partner (%s)', (backend) => {
  let t: TestStore;
  let store: Store;
  let inbox: KeyStatementInbox;
  let signers: SignerKeys;
  let k1: Key;
  let k2: Key;
  let stranger: Key;
  let rotationAt: Date;

  beforeAll(async () => {
    t = await openTestStore(backend, 'key_statements');
    store = t.store;
    inbox = new KeyStatementInbox(store);
    signers = new SignerKeys(store, { catchUp: async () => undefined } as unknown as KeysLifecycle);
    [k1, k2, stranger] = await Promise.all([newKey(), newKey(), newKey()]);
    await store.partners.upsert({ nodeId: P, jurisdiction: 'NL', fingerprint: k1.fingerprint, armoredPublicKey: k1.armoredPublicKey });
  }, 60_000);
  afterAll(async () => t?.dispose());

  const received = async () => store.keyHistory.statements({ direction: 'in', nodeId: P });
  const pinned = async () => (await store.partners.get(P))!.fingerprint;
  const codeOf = async (msg: KeyStatementMessage) => {
    expect(await inbox.handle(msg)).toBe('ack');
    return (await received()).find((s) => s.streamSeq === msg.streamSeq)?.code ?? null;
  };
  const signed = async (key: Key, createdAt: string) => {
    const bundle: Bundle = buildBundle({ publisher: P, audience: 'de-bka', seq: 1, prev: null, createdAt, entries: [] });
    const payload = canonicalBytes(bundle);
    return { bundle, payload, signature: await signDetached(payload, key.privateKey) };
  };
  const check = async (key: Key, createdAt: string) => {
    const { bundle, payload, signature } = await signed(key, createdAt);
    return signers.check(payload, signature, bundle, (await store.partners.get(P))!);
  };

  it('the first pin is the start of the partner’s key history', async () => {
    expect(await store.keyHistory.partnerKeys(P)).toEqual([expect.objectContaining({ fingerprint: k1.fingerprint, pinnedBy: 'pin', supersededAt: null })]);
  });

  it('refuses hostile and malformed statements with their reason, once each, and keeps the pin', async () => {
    const k3 = await newKey();
    const notPinned = await makeKeyRotation({ nodeId: P, oldPrivateKey: stranger.privateKey, newPrivateKey: k3.privateKey, newArmoredPublicKey: k3.armoredPublicKey });
    const good = await makeKeyRotation({ nodeId: P, oldPrivateKey: k1.privateKey, newPrivateKey: k3.privateKey, newArmoredPublicKey: k3.armoredPublicKey });
    const otherNode = await makeKeyRotation({ nodeId: 'de-bka', oldPrivateKey: k1.privateKey, newPrivateKey: k3.privateKey, newArmoredPublicKey: k3.armoredPublicKey });
    // A key with no encryption subkey (made with another tool): signs fine, cannot receive restricted bundles.
    const signOnly = await generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: P }], subkeys: [], format: 'object' });
    const toSignOnly = await makeKeyRotation({ nodeId: P, oldPrivateKey: k1.privateKey, newPrivateKey: signOnly.privateKey as NodePrivateKey, newArmoredPublicKey: signOnly.publicKey.armor() });
    const cases: [string, KeyStatementMessage, string][] = [
      ['signed by a key that is not pinned', message(notPinned), 'ROTATION_OLD_KEY_NOT_PINNED'],
      ['a bad new-key signature', message({ ...good, newSignature: good.oldSignature }), 'ROTATION_NEW_SIGNATURE_INVALID'],
      ['a bad old-key signature', message({ ...good, oldSignature: notPinned.oldSignature }), 'ROTATION_OLD_SIGNATURE_INVALID'],
      ['a rotation of another node', message(otherNode), 'ROTATION_NODE_MISMATCH'],
      ['a new key that is not the stated one', message({ ...good, rotation: { ...good.rotation, newPublicKey: stranger.armoredPublicKey } }), 'ROTATION_OLD_SIGNATURE_INVALID'],
      ['an extra field', message({ ...good, extra: 1 }), 'ROTATION_MALFORMED'],
      ['not JSON', message(new TextEncoder().encode('{"rotation"')), 'KEY_STATEMENT_MALFORMED'],
      ['oversize', message(new Uint8Array(MAX_KEY_STATEMENT_BYTES + 1).fill(0x20)), 'KEY_STATEMENT_OVERSIZE'],
      ['another kind', message({ card: {} }), 'KEY_STATEMENT_UNKNOWN_KIND'],
      ['a new key that cannot be encrypted to', message(toSignOnly), 'PARTNER_KEY_CANNOT_ENCRYPT'],
    ];
    for (const [label, msg, code] of cases) expect(await codeOf(msg), label).toBe(code);
    // Redelivered (same bytes): nothing new recorded or audited.
    const rows = (await received()).length;
    const audited = (await store.audit.entries({ action: 'partner.key-statement-refused', limit: 1000 })).items.length;
    await inbox.handle({ ...cases[0]![1], streamSeq: ++seq, redelivered: true });
    expect((await received()).length).toBe(rows);
    expect((await store.audit.entries({ action: 'partner.key-statement-refused', limit: 1000 })).items.length).toBe(audited);
    expect(audited).toBe(cases.length);
    expect(await pinned()).toBe(k1.fingerprint);
  });

  it('refuses a statement from a node that is not a pinned partner', async () => {
    const k3 = await newKey();
    const rotation = await makeKeyRotation({ nodeId: 'zz-unknown', oldPrivateKey: k3.privateKey, newPrivateKey: stranger.privateKey, newArmoredPublicKey: stranger.armoredPublicKey });
    expect(await inbox.handle(message(rotation, 'zz-unknown'))).toBe('ack');
    expect((await store.keyHistory.statements({ nodeId: 'zz-unknown' }))[0]).toMatchObject({ status: 'refused', code: 'KEY_STATEMENT_UNKNOWN_PARTNER' });
  });

  it('accepts a rotation signed by the pinned key and the new one: the pin moves, the old key is superseded at the statement time; a replay changes nothing', async () => {
    const rotation = await makeKeyRotation({ nodeId: P, oldPrivateKey: k1.privateKey, newPrivateKey: k2.privateKey, newArmoredPublicKey: k2.armoredPublicKey });
    rotationAt = new Date(rotation.rotation.at);
    const msg = message(rotation);
    expect(await inbox.handle(msg)).toBe('ack');
    expect(await inbox.handle({ ...msg, streamSeq: ++seq, redelivered: true })).toBe('ack');
    expect(await pinned()).toBe(k2.fingerprint);
    const history = await store.keyHistory.partnerKeys(P);
    expect(history.find((k) => k.fingerprint === k1.fingerprint)).toMatchObject({ supersededAt: rotationAt.toISOString(), successor: k2.fingerprint });
    expect(history.find((k) => k.fingerprint === k2.fingerprint)).toMatchObject({ supersededAt: null, pinnedBy: 'rotation' });
    expect((await received()).filter((s) => s.status === 'accepted')).toHaveLength(1);
    expect((await store.audit.entries({ action: 'partner.key-rotated', limit: 10 })).items).toHaveLength(1);
    // The same rotation again (old key no longer pinned) under fresh bytes is refused, not applied twice.
    const again = await makeKeyRotation({ nodeId: P, oldPrivateKey: k1.privateKey, newPrivateKey: k2.privateKey, newArmoredPublicKey: k2.armoredPublicKey, at: new Date(rotationAt.getTime() + 1) });
    expect(await codeOf(message(again))).toBe('ROTATION_OLD_KEY_NOT_PINNED');
  });

  it('signature step: the current key; the superseded key for bundles made before the rotation (in flight); never a foreign key', async () => {
    expect(await check(k2, new Date().toISOString())).toMatchObject({ ok: true, fingerprint: k2.fingerprint, note: null });
    const inFlight = await check(k1, new Date(rotationAt.getTime() - 1000).toISOString());
    expect(inFlight).toMatchObject({ ok: true, fingerprint: k1.fingerprint, note: expect.stringContaining('superseded') });
    expect(await check(k1, new Date(rotationAt.getTime() + SUPERSEDED_GRACE_MS + 1000).toISOString())).toMatchObject({ ok: false, code: 'KEY_SUPERSEDED' });
    expect(await check(stranger, new Date().toISOString())).toMatchObject({ ok: false, code: 'BUNDLE_SIGNER_MISMATCH' });
  });

  it('revocations: of an unknown key or by a foreign signer are refused; by the successor accepted (idempotent); the key then signs nothing after the compromise', async () => {
    const compromisedAt = new Date(Date.now() - 60_000);
    const unknownKey = await makeKeyRevocation({ nodeId: P, fingerprint: stranger.fingerprint, compromisedAt, reason: 'key-compromise', privateKey: stranger.privateKey });
    expect(await codeOf(message(unknownKey))).toBe('REVOCATION_KEY_UNKNOWN');
    const foreignSigner = await makeKeyRevocation({ nodeId: P, fingerprint: k1.fingerprint, compromisedAt, reason: 'key-compromise', privateKey: stranger.privateKey });
    expect(await codeOf(message(foreignSigner))).toBe('REVOCATION_SIGNER_UNKNOWN');
    const malformed = { revocation: { ...foreignSigner.revocation, reason: 'stolen' }, signature: foreignSigner.signature };
    expect(await codeOf(message(malformed))).toBe('REVOCATION_MALFORMED');

    const bySuccessor = await makeKeyRevocation({ nodeId: P, fingerprint: k1.fingerprint, compromisedAt, reason: 'key-compromise', privateKey: k2.privateKey });
    const msg = message(bySuccessor);
    expect(await inbox.handle(msg)).toBe('ack');
    expect(await inbox.handle({ ...msg, streamSeq: ++seq })).toBe('ack');
    expect((await store.keyHistory.partnerKey(P, k1.fingerprint))!).toMatchObject({ compromisedAt: compromisedAt.toISOString(), revocationReason: 'key-compromise', revokedAt: expect.any(String) });
    expect((await store.audit.entries({ action: 'partner.key-revoked', limit: 10 })).items).toHaveLength(1);

    expect(await check(k1, new Date().toISOString())).toMatchObject({ ok: false, code: 'KEY_REVOKED' });
    // Backdated before the compromise but first seen after it: the thief can backdate too.
    expect(await check(k1, new Date(compromisedAt.getTime() - 3_600_000).toISOString())).toMatchObject({ ok: false, code: 'KEY_REVOKED' });
    expect(await check(k2, new Date().toISOString())).toMatchObject({ ok: true });
  });

  it('receipts follow the same history: an earlier key signs receipts made before its rotation, nothing after a compromise', async () => {
    const receiptBy = async (key: Key, receivedAt: string) => {
      const receipt: Receipt = { spec: 'palermo/receipt@1', publisher: 'de-bka', recipient: P, bundleHash: 'c'.repeat(64), seq: 1, audience: P, receivedAt, outcome: 'imported', counts: { accepted: 1, pseudonymized: 0, rejected: 0 } };
      const signedReceipt = await signReceipt(receipt, key.privateKey);
      return signers.verifyWithHistory<Extract<ReceiptResult, { ok: true }>, Extract<ReceiptResult, { ok: false }>>((await store.partners.get(P))!, (r) => r.receipt.receivedAt, (k) => verifyReceipt(signedReceipt.bytes, signedReceipt.signature, k));
    };
    expect(await receiptBy(k2, new Date().toISOString())).toMatchObject({ ok: true, fingerprint: k2.fingerprint });
    expect(await receiptBy(k1, new Date().toISOString())).toMatchObject({ ok: false, code: 'KEY_REVOKED' });
    expect(await receiptBy(stranger, new Date().toISOString())).toMatchObject({ ok: false, code: 'RECEIPT_SIGNER_MISMATCH' });
  });

  it('a new card is the other way to move the pin: the previous key is superseded now, by card', async () => {
    const k4 = await newKey();
    await expect(store.partners.upsert({ nodeId: P, jurisdiction: 'NL', fingerprint: k4.fingerprint, armoredPublicKey: k4.armoredPublicKey }, { refuseKeyChange: true })).rejects.toMatchObject({ code: 'PARTNER_KEY_CONFLICT' });
    await store.partners.upsert({ nodeId: P, jurisdiction: 'NL', fingerprint: k4.fingerprint, armoredPublicKey: k4.armoredPublicKey });
    const history = await store.keyHistory.partnerKeys(P);
    expect(history.find((k) => k.fingerprint === k2.fingerprint)).toMatchObject({ supersededAt: expect.any(String), successor: k4.fingerprint });
    expect(history.find((k) => k.fingerprint === k4.fingerprint)).toMatchObject({ supersededAt: null, pinnedBy: 'card' });
  });
});
