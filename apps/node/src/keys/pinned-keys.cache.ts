import { readPublicKey, type NodePublicKey } from '@palermo/bundles';

/**
 * Partners' pinned public keys, read once per fingerprint (reading an armored key costs about a
 * millisecond; every bundle and receipt needs one). A key that fails to read is not remembered.
 * Keyed by fingerprint, so a rotation or a new card needs no invalidation: the new pin has another
 * fingerprint, and earlier keys stay readable for what the key history still lets them sign.
 */
export class PinnedKeys {
  private readonly keys = new Map<string, Promise<NodePublicKey>>();

  /** The pinned key of `partner`, keyed by its fingerprint (a re-pinned partner gets its new key). */
  get(partner: { fingerprint: string; armoredPublicKey: string }): Promise<NodePublicKey> {
    let key = this.keys.get(partner.fingerprint);
    if (!key) {
      key = readPublicKey(partner.armoredPublicKey);
      this.keys.set(partner.fingerprint, key);
      key.catch(() => this.keys.delete(partner.fingerprint));
    }
    return key;
  }
}
