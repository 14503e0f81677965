import { describe, expect, it } from 'vitest';
import { generateNodeKey, makeKeyRotation, readPrivateKey, readPublicKey } from '@palermo/bundles';
import { checkpointKeys } from './audit.keys';

const key = async () => {
  const m = await generateNodeKey({ nodeId: 'nl-police', jurisdiction: 'NL' });
  return { ...m, privateKey: await readPrivateKey(m.armoredPrivateKey), publicKey: await readPublicKey(m.armoredPublicKey) };
};

describe('checkpointKeys: which keys may have signed a node’s audit checkpoints', () => {
  it('follows rotation statements back and forth from the one trusted key, and nothing else', async () => {
    const [k1, k2, k3, stranger] = await Promise.all([key(), key(), key(), key()]);
    const r12 = await makeKeyRotation({ nodeId: 'nl-police', oldPrivateKey: k1.privateKey, newPrivateKey: k2.privateKey, newArmoredPublicKey: k2.armoredPublicKey });
    const r23 = await makeKeyRotation({ nodeId: 'nl-police', oldPrivateKey: k2.privateKey, newPrivateKey: k3.privateKey, newArmoredPublicKey: k3.armoredPublicKey });
    // A listed key that only a forged statement (not signed by it) links to the chain.
    const forged = await makeKeyRotation({ nodeId: 'nl-police', oldPrivateKey: k1.privateKey, newPrivateKey: k3.privateKey, newArmoredPublicKey: k3.armoredPublicKey });
    const posing = { ...forged, rotation: { ...forged.rotation, oldFingerprint: stranger.fingerprint } };
    const listed = [k1, k2, k3, stranger].map((k) => ({ fingerprint: k.fingerprint, publicKey: k.armoredPublicKey, compromisedAt: null, revocationReason: null }));
    const history = { keys: listed, rotations: [r23, posing, r12] };

    const fromNewest = await checkpointKeys('nl-police', k3.publicKey, history);
    expect([...fromNewest.keys()].sort()).toEqual([k1, k2, k3].map((k) => k.fingerprint).sort());
    expect(fromNewest.get(k1.fingerprint)?.until).toBe(r12.rotation.at);
    expect(fromNewest.get(k3.fingerprint)?.until).toBeNull();

    const fromOldest = await checkpointKeys('nl-police', k1.publicKey, history);
    expect(fromOldest.get(k1.fingerprint)?.until).toBe(r12.rotation.at);
    expect(fromOldest.has(k3.fingerprint)).toBe(true);
    expect(fromOldest.has(stranger.fingerprint)).toBe(false);

    expect([...(await checkpointKeys('de-bka', k3.publicKey, history)).keys()]).toEqual([k3.fingerprint]);
    expect([...(await checkpointKeys('nl-police', k3.publicKey, undefined)).keys()]).toEqual([k3.fingerprint]);
  });
});
