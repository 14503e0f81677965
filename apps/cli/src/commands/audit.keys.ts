import { fingerprintOf, readPublicKey, verifyKeyRotation, type NodePublicKey } from '@palermo/bundles';

/** A key a checkpoint may be signed by, and the window in which it signed for the node. */
export interface CheckpointKey {
  key: NodePublicKey;
  /** After this instant the key was rotated away: a checkpoint it signs later is not the node's. */
  until: string | null;
  /** From this instant (a compromise revocation) nothing it signs counts. */
  compromisedAt: string | null;
}

/** What GET /node says about the node's earlier keys. */
export interface NodeKeyHistory {
  keys: { fingerprint: string; publicKey: string; compromisedAt: string | null; revocationReason: string | null }[];
  rotations: unknown[];
}

/**
 * The keys a node's checkpoints may be signed by, starting from the one key the verifier trusts and
 * following only rotation statements signed by both keys (backwards to earlier keys, forwards to
 * later ones). A key the node merely lists, without such a statement, is never trusted.
 */
export async function checkpointKeys(nodeId: string, trusted: NodePublicKey, history: NodeKeyHistory | undefined): Promise<Map<string, CheckpointKey>> {
  const keys = new Map<string, CheckpointKey>([[fingerprintOf(trusted), { key: trusted, until: null, compromisedAt: null }]]);
  const listed = new Map((history?.keys ?? []).map((k) => [k.fingerprint, k]));
  const compromised = (fingerprint: string) => {
    const k = listed.get(fingerprint);
    return k?.revocationReason === 'key-compromise' ? k.compromisedAt : null;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const raw of history?.rotations ?? []) {
      const r = (raw as { rotation?: { oldFingerprint?: string; newFingerprint?: string } }).rotation;
      if (!r?.oldFingerprint || !r.newFingerprint) continue;
      const knowsOld = keys.has(r.oldFingerprint);
      if (knowsOld === keys.has(r.newFingerprint)) continue;
      const old = knowsOld ? keys.get(r.oldFingerprint)!.key : await readListed(listed.get(r.oldFingerprint)?.publicKey);
      if (!old) continue;
      const verified = await verifyKeyRotation(raw, await armored(old, listed.get(r.oldFingerprint)?.publicKey), { nodeId });
      if (!verified.ok) continue;
      const at = verified.rotation.at;
      if (knowsOld) {
        keys.get(r.oldFingerprint)!.until = at;
        keys.set(r.newFingerprint, { key: verified.newKey, until: null, compromisedAt: compromised(r.newFingerprint) });
      } else {
        keys.set(r.oldFingerprint, { key: old, until: at, compromisedAt: compromised(r.oldFingerprint) });
      }
      changed = true;
    }
  }
  return keys;
}

async function readListed(armoredKey: string | undefined): Promise<NodePublicKey | null> {
  if (!armoredKey) return null;
  try {
    return await readPublicKey(armoredKey);
  } catch {
    return null;
  }
}

async function armored(key: NodePublicKey, listed: string | undefined): Promise<string> {
  return listed ?? key.armor();
}
