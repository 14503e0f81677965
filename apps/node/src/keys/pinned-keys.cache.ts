import { readPublicKey, type NodePublicKey } from '@palermo/bundles';

/**
 * Partners' pinned public keys, read once per fingerprint (reading an armored key costs about a
 * millisecond; every bundle and receipt needs one). A key that fails to read is not remembered.
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
