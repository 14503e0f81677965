import { beforeAll, describe, expect, it } from 'vitest';
import { encryptBundle, generateNodeKey, readPrivateKey, readPublicKey, type NodeKeyMaterial, type NodePrivateKey } from '@palermo/bundles';
import type { FeedMessage } from '@palermo/federation';
import { BundleOpener } from './bundle.opener';
import { QuarantineReason } from './quarantine.reason';

const LIMIT = 64 * 1024;
const bytes = new TextEncoder().encode('{"spec":"palermo/bundle@1"}');
let me: NodeKeyMaterial;
let other: NodeKeyMaterial;
let opener: BundleOpener;

beforeAll(async () => {
  [me, other] = await Promise.all([generateNodeKey({ nodeId: 'de-bka', jurisdiction: 'DE' }), generateNodeKey({ nodeId: 'us-hsi', jurisdiction: 'US' })]);
  const privateKey: NodePrivateKey = await readPrivateKey(me.armoredPrivateKey);
  opener = new BundleOpener({ fingerprint: me.fingerprint, privateKey }, LIMIT);
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

  it.each([
    ['a header naming another key', async () => message(await encryptBundle(bytes, await readPublicKey(me.armoredPublicKey)), { 'Palermo-Encrypted': other.fingerprint }), 'BUNDLE_NOT_FOR_THIS_NODE'],
    ['a message for another key under a header naming this one', async () => message(await encryptBundle(bytes, await readPublicKey(other.armoredPublicKey)), { 'Palermo-Encrypted': me.fingerprint }), 'BUNDLE_NOT_FOR_THIS_NODE'],
    ['garbage under the header', async () => message(new Uint8Array(512).fill(7), { 'Palermo-Encrypted': me.fingerprint }), 'BUNDLE_DECRYPT_FAILED'],
    ['clear bytes under the header', async () => message(bytes, { 'Palermo-Encrypted': me.fingerprint }), 'BUNDLE_DECRYPT_FAILED'],
    ['a plaintext above the bundle limit', async () => message(await encryptBundle(new Uint8Array(LIMIT + 1), await readPublicKey(me.armoredPublicKey)), { 'Palermo-Encrypted': me.fingerprint }), 'BUNDLE_OVERSIZE'],
  ])('%s is quarantined', async (_name, make, expected) => {
    expect(code(await opener.open(await make()))).toBe(expected);
  });
});
