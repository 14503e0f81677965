import { describe, expect, it } from 'vitest';
import { generateKey } from 'openpgp';
import { generateNodeKey, makePartnerCard, readPrivateKey, type NodePrivateKey } from '@palermo/bundles';
import { nodeSubjects } from '@palermo/federation';
import type { Store } from '@palermo/store';
import { pinPartner, pinPartnerFromCard } from './partner.pinning';

// Pinning refuses a key restricted bundles cannot be encrypted to, by fingerprint and by card, before
// anything is stored: such a pin would hold that partner's chain at its first restricted bundle.
function fakeStore() {
  const pinned: string[] = [];
  const store = { partners: { upsert: async (p: { nodeId: string }) => void pinned.push(p.nodeId) } } as unknown as Store;
  return { store, pinned };
}

async function signOnlyKey(nodeId: string) {
  // Another tool's key: a signing primary key and no encryption subkey.
  const { privateKey, publicKey } = await generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: nodeId }], subkeys: [], format: 'object' });
  return { privateKey: privateKey as NodePrivateKey, armoredPublicKey: publicKey.armor(), fingerprint: publicKey.getFingerprint() };
}

describe('partner pinning', () => {
  it('pins a node key, and refuses a key without an encryption subkey as PARTNER_KEY_CANNOT_ENCRYPT', async () => {
    const { store, pinned } = fakeStore();
    const good = await generateNodeKey({ nodeId: 'nl-police', jurisdiction: 'NL' });
    await pinPartner(store, 'de-bka', { nodeId: 'nl-police', jurisdiction: 'NL', publicKey: good.armoredPublicKey, fingerprint: good.fingerprint });
    const bad = await signOnlyKey('fr-pn');
    await expect(pinPartner(store, 'de-bka', { nodeId: 'fr-pn', jurisdiction: 'FR', publicKey: bad.armoredPublicKey, fingerprint: bad.fingerprint })).rejects.toMatchObject({
      code: 'PARTNER_KEY_CANNOT_ENCRYPT',
    });
    expect(pinned).toEqual(['nl-police']);
  });

  it('refuses a valid, self-signed card whose key cannot be encrypted to', async () => {
    const { store, pinned } = fakeStore();
    const bad = await signOnlyKey('fr-pn');
    const card = await makePartnerCard({ nodeId: 'fr-pn', jurisdiction: 'FR', subjects: nodeSubjects, privateKey: bad.privateKey, armoredPublicKey: bad.armoredPublicKey });
    await expect(pinPartnerFromCard(store, 'de-bka', card, bad.fingerprint)).rejects.toMatchObject({ code: 'PARTNER_KEY_CANNOT_ENCRYPT' });
    const good = await generateNodeKey({ nodeId: 'nl-police', jurisdiction: 'NL' });
    const goodCard = await makePartnerCard({ nodeId: 'nl-police', jurisdiction: 'NL', subjects: nodeSubjects, privateKey: await readPrivateKey(good.armoredPrivateKey), armoredPublicKey: good.armoredPublicKey });
    await pinPartnerFromCard(store, 'de-bka', goodCard, good.fingerprint);
    expect(pinned).toEqual(['nl-police']);
  });
});
