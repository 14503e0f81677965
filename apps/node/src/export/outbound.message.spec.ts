import { beforeAll, describe, expect, it } from 'vitest';
import { bundleHash, canonicalBytes, decryptBundle, generateNodeKey, readPrivateKey, buildBundle, type NodeKeyMaterial } from '@palermo/bundles';
import type { PartnerRecord, Store } from '@palermo/store';
import { OutboundMessages, type StoredOutbound } from './outbound.message';

const LIMIT = 1024 * 1024;
const bundle = buildBundle({ publisher: 'nl-police', audience: 'de-bka', seq: 1, prev: null, entries: [{ op: 'revoke', id: '01890000-0000-7000-8000-000000000001', reason: 'sealed reason' }] });
const bytes = canonicalBytes(bundle);
let oldKey: NodeKeyMaterial;
let newKey: NodeKeyMaterial;

beforeAll(async () => {
  [oldKey, newKey] = await Promise.all([generateNodeKey({ nodeId: 'de-bka', jurisdiction: 'DE' }), generateNodeKey({ nodeId: 'de-bka', jurisdiction: 'DE' })]);
});

function stored(encryptedTo: string | null): StoredOutbound {
  return { hash: bundleHash(bytes), publisher: 'nl-police', audience: 'de-bka', bytes, signature: new Uint8Array([1, 2, 3]), signer: 'cd'.repeat(20), encryptedTo } as StoredOutbound;
}

function messages(pinned: NodeKeyMaterial | null): OutboundMessages {
  const partner = pinned ? ({ nodeId: 'de-bka', jurisdiction: 'DE', fingerprint: pinned.fingerprint, armoredPublicKey: pinned.armoredPublicKey } as PartnerRecord) : null;
  return new OutboundMessages({ partners: { get: async () => partner } } as unknown as Store);
}

describe('OutboundMessages.build', () => {
  it('sends a bundle stored in clear as its canonical bytes, without Palermo-Encrypted', async () => {
    const built = await messages(oldKey).build(stored(null));
    expect(built.payload).toBe(bytes);
    expect(built.encryptedTo).toBeUndefined();
  });

  it('encrypts a bundle stored as encrypted to the partner key; hash and signature still cover the canonical bytes', async () => {
    const built = await messages(oldKey).build(stored(oldKey.fingerprint));
    expect(built).toMatchObject({ hash: bundleHash(bytes), encryptedTo: oldKey.fingerprint, signature: new Uint8Array([1, 2, 3]) });
    expect(Buffer.from(built.payload).includes(Buffer.from('sealed reason'))).toBe(false);
    const opened = await decryptBundle(built.payload, await readPrivateKey(oldKey.armoredPrivateKey), LIMIT);
    expect(opened.ok && Buffer.from(opened.bytes).equals(Buffer.from(bytes))).toBe(true);
  });

  it('encrypts to the key pinned now when the partner rotated its key after the bundle was stored', async () => {
    const built = await messages(newKey).build(stored(oldKey.fingerprint));
    expect(built.encryptedTo).toBe(newKey.fingerprint);
    expect(await decryptBundle(built.payload, await readPrivateKey(newKey.armoredPrivateKey), LIMIT)).toMatchObject({ ok: true });
    expect(await decryptBundle(built.payload, await readPrivateKey(oldKey.armoredPrivateKey), LIMIT)).toMatchObject({ ok: false, code: 'BUNDLE_NOT_FOR_THIS_NODE' });
  });

  it('refuses to send in clear what must be encrypted when the partner is no longer pinned', async () => {
    await expect(messages(null).build(stored(oldKey.fingerprint))).rejects.toMatchObject({ code: 'PARTNER_NOT_PINNED' });
  });
});
