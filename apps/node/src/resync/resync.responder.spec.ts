import { beforeAll, describe, expect, it, vi } from 'vitest';
import { generateNodeKey, makeResyncRequest, readPrivateKey, readPublicKey, resyncRequestBytes, signDetached, verifyDetached, type NodeKeyMaterial } from '@palermo/bundles';
import type { Store, PartnerRecord } from '@palermo/store';
import type { ResyncConfig } from '../config/resync.config';
import { OutboundMessages, type StoredOutbound } from '../export/outbound.message';
import type { KeysLifecycle } from '../keys/keys.lifecycle';
import type { NodeConfig, NodeKeys } from '../node/node-context';
import { ResyncResponder } from './resync.responder';

const A = 'nl-police';
const B = 'de-bka';
const config: ResyncConfig = { timeoutMs: 1_000, maxAttempts: 3, maxWaitMs: 60_000, maxSkewMs: 120_000 };
const pin = (key: NodeKeyMaterial): PartnerRecord => ({ nodeId: B, jurisdiction: 'DE', fingerprint: key.fingerprint, armoredPublicKey: key.armoredPublicKey, createdAt: '', updatedAt: '' });

let aOld: NodeKeyMaterial;
let aNow: NodeKeyMaterial;
let bOld: NodeKeyMaterial;
let bNew: NodeKeyMaterial;
beforeAll(async () => {
  [aOld, aNow, bOld, bNew] = await Promise.all([generateNodeKey({ nodeId: A, jurisdiction: 'NL' }), generateNodeKey({ nodeId: A, jurisdiction: 'NL' }), generateNodeKey({ nodeId: B, jurisdiction: 'DE' }), generateNodeKey({ nodeId: B, jurisdiction: 'DE' })]);
});

/** nl-police now signs with aNow; de-bka is pinned at `pinned` until catchUp lets its pending key statements through (`afterCatchUp`). */
async function setup(stored: StoredOutbound[], pinned: NodeKeyMaterial, afterCatchUp = pinned) {
  let partner = pin(pinned);
  const catchUp = vi.fn(async () => void (partner = pin(afterCatchUp)));
  const store = {
    partners: { get: vi.fn(async () => partner) },
    agreements: { activeFor: async () => null },
    bundles: { publishedRange: async () => ({ bundles: stored, headSeq: stored.length }) },
    audit: { append: vi.fn(async () => undefined) },
  } as unknown as Store;
  const nodeKeys = { privateKey: await readPrivateKey(aNow.armoredPrivateKey), fingerprint: aNow.fingerprint } as NodeKeys;
  const responder = new ResyncResponder(store, new OutboundMessages(store), { nodeId: A } as NodeConfig, nodeKeys, config, { catchUp } as unknown as KeysLifecycle);
  const ask = async (signer: NodeKeyMaterial) => {
    const signed = await makeResyncRequest({ requester: B, publisher: A, audience: 'all', fromSeq: 1 }, await readPrivateKey(signer.armoredPrivateKey));
    return responder.answer({ payload: resyncRequestBytes(signed), reply: `_INBOX.${B}.1` });
  };
  return { ask, catchUp };
}

async function storedBundle(seq: number, signer: NodeKeyMaterial): Promise<StoredOutbound> {
  const bytes = new TextEncoder().encode(`{"seq":${seq}}`);
  const signature = await signDetached(bytes, await readPrivateKey(signer.armoredPrivateKey));
  return { publisher: A, audience: 'all', seq, streamSeq: seq, hash: seq.toString(16).padStart(64, '0'), bytes, signature, signer: signer.fingerprint, encryptedTo: null } as unknown as StoredOutbound;
}

describe('ResyncResponder', () => {
  it('re-signs a bundle stored under a since-rotated key with the current key (same bytes and hash); one signed by the current key goes as stored', async () => {
    const [old, current] = [await storedBundle(1, aOld), await storedBundle(2, aNow)];
    const { ask } = await setup([old, current], bOld);
    const answer = await ask(bOld);
    if (!answer.ok) throw new Error(`refused: ${answer.code} ${answer.message}`);
    const [first, second] = answer.bundles;
    expect(first).toMatchObject({ seq: 1, hash: old.hash, payload: old.bytes, signerFingerprint: aNow.fingerprint });
    expect(await verifyDetached(old.bytes, first!.signature, await readPublicKey(aNow.armoredPublicKey))).toMatchObject({ ok: true });
    expect(second).toMatchObject({ seq: 2, hash: current.hash, signerFingerprint: aNow.fingerprint, signature: current.signature });
  });

  it('a requester that just rotated: catches up on its key statements before refusing, then answers', async () => {
    const { ask, catchUp } = await setup([await storedBundle(1, aNow)], bOld, bNew);
    expect(await ask(bNew)).toMatchObject({ ok: true, bundles: [expect.objectContaining({ seq: 1 })] });
    expect(catchUp).toHaveBeenCalledWith(B);
  });

  it('a request signed by a key the requester never rotated to is still refused, after the catch-up', async () => {
    const { ask, catchUp } = await setup([await storedBundle(1, aNow)], bOld);
    expect(await ask(bNew)).toMatchObject({ ok: false, code: 'RESYNC_SIGNATURE_INVALID' });
    expect(catchUp).toHaveBeenCalledTimes(1);
  });
});
