import { beforeAll, describe, expect, it } from 'vitest';
import { encryptBundle, generateNodeKey, readPrivateKey, readPublicKey, type NodeKeyMaterial, type NodePrivateKey } from '@palermo/bundles';
import type { FeedMessage } from '@palermo/federation';
import type { DecryptionKey } from '../keys/own-key.ring';
import { BundleOpener } from './bundle.opener';
import { QuarantineReason } from './quarantine.reason';

const LIMIT = 64 * 1024;
const bytes = new TextEncoder().encode('{"spec":"palermo/bundle@1"}');
let me: NodeKeyMaterial;
let other: NodeKeyMaterial;
let retired: NodeKeyMaterial;
let compromised: NodeKeyMaterial;
let opener: BundleOpener;

/** A key ring as OwnKeyRing answers it: the current key, a kept earlier key, one revoked as compromised. */
function ring(keys: Map<string, NodePrivateKey>, compromisedFingerprint: string) {
  return {
    decryptionKey: async (fingerprint: string): Promise<DecryptionKey> => {
      if (fingerprint === compromisedFingerprint) return { ok: false, code: 'BUNDLE_ENCRYPTED_TO_COMPROMISED_KEY', message: 'compromised' };
      const privateKey = keys.get(fingerprint);
      return privateKey ? { ok: true, privateKey } : { ok: false, code: 'BUNDLE_NOT_FOR_THIS_NODE', message: 'not ours' };
    },
  };
}

beforeAll(async () => {
  [me, other, retired, compromised] = await Promise.all(['de-bka', 'us-hsi', 'de-bka', 'de-bka'].map((nodeId) => generateNodeKey({ nodeId, jurisdiction: 'DE' })));
  const keys = new Map<string, NodePrivateKey>([
    [me.fingerprint, await readPrivateKey(me.armoredPrivateKey)],
    [retired.fingerprint, await readPrivateKey(retired.armoredPrivateKey)],
  ]);
  opener = new BundleOpener(ring(keys, compromised.fingerprint), LIMIT);
});

const message = (payload: Uint8Array, headers: Record<string, string> = {}): FeedMessage =>
  ({ publisher: 'nl-police', audience: 'de-bka', subject: 'palermo.v1.feed.nl-police.de-bka', payload, headers, streamSeq: 1, redelivered: false, deliveryCount: 1 });

const code = (r: unknown) => (r instanceof QuarantineReason ? r.code : 'opened');

describe('BundleOpener', () => {
  it('passes a payload without Palermo-Encrypted through as canonical bytes in clear', async () => {
    expect(await opener.open(message(bytes))).toEqual({ bytes, encryptedTo: null });
  });

  it('decrypts a payload encrypted to this node', async () => {
    const sealed = await encryptBundle(bytes, await readPublicKey(me.armoredPublicKey));
    expect(await opener.open(message(sealed, { 'Palermo-Encrypted': me.fingerprint }))).toEqual({ bytes, encryptedTo: me.fingerprint });
  });

  it('decrypts a payload encrypted to an earlier key of this node that it keeps (a partner not yet aware of the rotation)', async () => {
    const sealed = await encryptBundle(bytes, await readPublicKey(retired.armoredPublicKey));
    expect(await opener.open(message(sealed, { 'Palermo-Encrypted': retired.fingerprint }))).toEqual({ bytes, encryptedTo: retired.fingerprint });
  });

  it.each([
    ['a payload encrypted to a key of this node revoked as compromised', async () => message(await encryptBundle(bytes, await readPublicKey(compromised.armoredPublicKey)), { 'Palermo-Encrypted': compromised.fingerprint }), 'BUNDLE_ENCRYPTED_TO_COMPROMISED_KEY'],
    ['a message for the current key under a header naming the earlier one', async () => message(await encryptBundle(bytes, await readPublicKey(me.armoredPublicKey)), { 'Palermo-Encrypted': retired.fingerprint }), 'BUNDLE_NOT_FOR_THIS_NODE'],
    ['a header naming another key', async () => message(await encryptBundle(bytes, await readPublicKey(me.armoredPublicKey)), { 'Palermo-Encrypted': other.fingerprint }), 'BUNDLE_NOT_FOR_THIS_NODE'],
    ['a message for another key under a header naming this one', async () => message(await encryptBundle(bytes, await readPublicKey(other.armoredPublicKey)), { 'Palermo-Encrypted': me.fingerprint }), 'BUNDLE_NOT_FOR_THIS_NODE'],
    ['garbage under the header', async () => message(new Uint8Array(512).fill(7), { 'Palermo-Encrypted': me.fingerprint }), 'BUNDLE_DECRYPT_FAILED'],
    ['clear bytes under the header', async () => message(bytes, { 'Palermo-Encrypted': me.fingerprint }), 'BUNDLE_DECRYPT_FAILED'],
    ['a plaintext above the bundle limit', async () => message(await encryptBundle(new Uint8Array(LIMIT + 1), await readPublicKey(me.armoredPublicKey)), { 'Palermo-Encrypted': me.fingerprint }), 'BUNDLE_OVERSIZE'],
  ])('%s is quarantined', async (_name, make, expected) => {
    expect(code(await opener.open(await make()))).toBe(expected);
  });
});
