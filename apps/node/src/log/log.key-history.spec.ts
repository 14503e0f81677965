import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, EMPTY_TREE_ROOT, generateNodeKey, makeCheckpoint, makeWitnessSignature, readPrivateKey, type NodeKeyMaterial, type NodePrivateKey } from '@palermo/bundles';
import type { LogChannel, LogMessage } from '@palermo/federation';
import type { PartnerKeyRecord, PartnerRecord, Store } from '@palermo/store';
import type { KeysLifecycle } from '../keys/keys.lifecycle';
import { SignerKeys } from '../keys/signer.keys';
import type { NodeConfig, NodeKeys } from '../node/node-context';
import { LogCheckpointWitness } from './log.checkpoint.witness';
import type { LogInclusionChecker } from './log.inclusion.checker';
import type { LogProofClient } from './log.proof.client';
import { LogWitnessInbox } from './log.witness.inbox';

// Key rotation × feed log, with the store and NATS played by fakes and the real SignerKeys: a
// checkpoint or a countersignature signed with a key its signer has just rotated away from (in
// flight across the rotation) still counts under the key-history rules, and a checkpoint signed with
// a key the witness learns only from the publisher's pending key statements waits for them.
const P = 'nl-police';
const W = 'de-bka';
const MINUTE = 60_000;

interface Key extends NodeKeyMaterial {
  privateKey: NodePrivateKey;
}
let pOld: Key;
let pNew: Key;
let wOld: Key;
let wNew: Key;

beforeAll(async () => {
  const make = async (nodeId: string): Promise<Key> => {
    const m = await generateNodeKey({ nodeId, jurisdiction: 'EU' });
    return { ...m, privateKey: await readPrivateKey(m.armoredPrivateKey) };
  };
  [pOld, pNew, wOld, wNew] = await Promise.all([make(P), make(P), make(W), make(W)]);
});

const partner = (nodeId: string, key: Key): PartnerRecord => ({ nodeId, jurisdiction: 'EU', fingerprint: key.fingerprint, armoredPublicKey: key.armoredPublicKey, createdAt: '', updatedAt: '' });
const history = (nodeId: string, key: Key, fate: Partial<PartnerKeyRecord> = {}): PartnerKeyRecord => ({
  nodeId,
  fingerprint: key.fingerprint,
  armoredPublicKey: key.armoredPublicKey,
  pinnedAt: new Date(Date.now() - 60 * MINUTE).toISOString(),
  pinnedBy: 'pin',
  supersededAt: null,
  successor: null,
  revokedAt: null,
  compromisedAt: null,
  revocationReason: null,
  ...fate,
});
const ago = (minutes: number) => new Date(Date.now() - minutes * MINUTE);
const message = (payload: unknown, witness?: string): LogMessage => ({
  publisher: P,
  witness,
  subject: witness ? `palermo.v1.log.${P}.witness.${witness}` : `palermo.v1.log.${P}.checkpoint`,
  payload: new TextEncoder().encode(canonicalJson(payload)),
  streamSeq: 1,
  redelivered: false,
});

/** The witness W of P's log; `pinned` is P's pin at W until catchUp reads P's pending key statements (then `afterCatchUp`). */
function witnessOf(pinned: Key, keys: PartnerKeyRecord[], afterCatchUp?: Key) {
  let pin = partner(P, pinned);
  const quarantined: string[] = [];
  const countersigned: string[] = [];
  const store = {
    partners: { get: async () => pin },
    keyHistory: { partnerKeys: async () => keys },
    logPartners: { state: async () => null, recordVerified: async () => undefined },
    quarantine: { add: async (input: { code: string }) => (quarantined.push(input.code), { id: '1', duplicate: false }) },
  } as unknown as Store;
  const lifecycle = { catchUp: async () => void (afterCatchUp && (pin = partner(P, afterCatchUp))) } as unknown as KeysLifecycle;
  const channel = { publishWitness: async (_p: string, _w: string, bytes: Uint8Array) => void countersigned.push(new TextDecoder().decode(bytes)) } as unknown as LogChannel;
  const witness = new LogCheckpointWitness(store, channel, {} as LogProofClient, { kick: () => undefined } as unknown as LogInclusionChecker, new SignerKeys(store, lifecycle), { nodeId: W } as NodeConfig, { privateKey: wNew.privateKey } as NodeKeys);
  return { witness, quarantined, countersigned };
}

const checkpoint = (key: Key, at: Date) => makeCheckpoint({ publisher: P, treeSize: 0, rootHash: EMPTY_TREE_ROOT, at, privateKey: key.privateKey });

describe('LogCheckpointWitness across a rotation of the publisher', () => {
  it('countersigns a checkpoint signed with the publisher’s previous key before its rotation (in flight)', async () => {
    const { witness, quarantined, countersigned } = witnessOf(pNew, [history(P, pOld, { supersededAt: ago(1).toISOString(), successor: pNew.fingerprint }), history(P, pNew)]);
    expect(await witness.handle(message(await checkpoint(pOld, ago(2))))).toBe('ack');
    expect(quarantined).toEqual([]);
    expect(countersigned).toHaveLength(1);
  });

  it.each([
    ['made after the rotation and its grace', { supersededAt: ago(30).toISOString() }, 'KEY_SUPERSEDED'],
    ['by a key revoked as compromised before this node saw it', { supersededAt: ago(1).toISOString(), compromisedAt: ago(10).toISOString(), revokedAt: ago(1).toISOString(), revocationReason: 'key-compromise' as const }, 'KEY_REVOKED'],
  ])('quarantines a checkpoint of the previous key %s', async (_name, fate, code) => {
    const { witness, quarantined, countersigned } = witnessOf(pNew, [history(P, pOld, fate), history(P, pNew)]);
    await witness.handle(message(await checkpoint(pOld, ago(2))));
    expect(quarantined).toEqual([code]);
    expect(countersigned).toEqual([]);
  });

  it('reads the publisher’s pending key statements before refusing a checkpoint signed with a key not pinned yet', async () => {
    const { witness, quarantined, countersigned } = witnessOf(pOld, [history(P, pOld), history(P, pNew)], pNew);
    await witness.handle(message(await checkpoint(pNew, new Date())));
    expect(quarantined).toEqual([]);
    expect(countersigned).toHaveLength(1);
  });

  it('still refuses a checkpoint by a key the publisher never had', async () => {
    const { witness, quarantined } = witnessOf(pNew, [history(P, pNew)]);
    await witness.handle(message(await checkpoint(wOld, new Date())));
    expect(quarantined).toEqual(['CHECKPOINT_SIGNER_MISMATCH']);
  });
});

describe('LogWitnessInbox across rotations of the witness and of this node', () => {
  /** P's inbox after P rotated (pOld → pNew, retiredAt `pRetired`) and W rotated (wOld → wNew at `wSuperseded`). */
  function inboxOf(pRetired: Date, wSuperseded: Date) {
    const stored: string[] = [];
    const quarantined: string[] = [];
    const store = {
      partners: { get: async () => partner(W, wNew) },
      keyHistory: {
        partnerKeys: async () => [history(W, wOld, { supersededAt: wSuperseded.toISOString(), successor: wNew.fingerprint }), history(W, wNew)],
        ownKeys: async () => [
          { fingerprint: pOld.fingerprint, nodeId: P, armoredPublicKey: pOld.armoredPublicKey, active: false, createdAt: ago(90).toISOString(), retiredAt: pRetired.toISOString(), successor: pNew.fingerprint, revokedAt: null, compromisedAt: null, revocationReason: null },
          { fingerprint: pNew.fingerprint, nodeId: P, armoredPublicKey: pNew.armoredPublicKey, active: true, createdAt: pRetired.toISOString(), retiredAt: null, successor: null, revokedAt: null, compromisedAt: null, revocationReason: null },
        ],
      },
      feedLog: {
        checkpointAt: async () => ({ id: '7', treeSize: 0, rootHash: EMPTY_TREE_ROOT }),
        addWitness: async (input: { signer: string }) => (stored.push(input.signer), { duplicate: false }),
      },
      quarantine: { add: async (input: { code: string }) => (quarantined.push(input.code), { id: '1', duplicate: false }) },
    } as unknown as Store;
    const lifecycle = { catchUp: async () => undefined } as unknown as KeysLifecycle;
    const keys = { fingerprint: pNew.fingerprint, armoredPublicKey: pNew.armoredPublicKey, publicKey: pNew.privateKey.toPublic() } as NodeKeys;
    return { inbox: new LogWitnessInbox(store, new SignerKeys(store, lifecycle), { nodeId: P } as NodeConfig, keys), stored, quarantined };
  }
  const countersignature = async (key: Key, signed: Awaited<ReturnType<typeof checkpoint>>, at: Date, publisherKey: Key) =>
    makeWitnessSignature({ witness: W, signedCheckpoint: signed, publisherArmoredPublicKey: publisherKey.armoredPublicKey, publisher: P, at, privateKey: key.privateKey });

  it('stores a countersignature by the witness’s previous key of a checkpoint signed with this node’s previous key, both before the rotations', async () => {
    const { inbox, stored, quarantined } = inboxOf(ago(1), ago(1));
    const signed = await checkpoint(pOld, ago(3));
    expect(await inbox.handle(message(await countersignature(wOld, signed, ago(2), pOld), W))).toBe('ack');
    expect(quarantined).toEqual([]);
    expect(stored).toEqual([wOld.fingerprint]);
  });

  it('refuses a checkpoint of this node’s previous key made after that key was retired (and its grace)', async () => {
    const { inbox, stored, quarantined } = inboxOf(ago(30), ago(30));
    const signed = await checkpoint(pOld, ago(2));
    await inbox.handle(message(await countersignature(wNew, signed, ago(1), pOld), W));
    expect(stored).toEqual([]);
    expect(quarantined).toEqual(['WITNESS_CHECKPOINT_INVALID']);
  });

  it('refuses a countersignature by the witness’s previous key made after its rotation', async () => {
    const { inbox, stored, quarantined } = inboxOf(ago(30), ago(30));
    const signed = await checkpoint(pNew, ago(2));
    await inbox.handle(message(await countersignature(wOld, signed, ago(1), pNew), W));
    expect(stored).toEqual([]);
    expect(quarantined).toEqual(['KEY_SUPERSEDED']);
  });
});
