import { Inject, Injectable } from '@nestjs/common';
import { fingerprintOf, type NodePrivateKey } from '@palermo/bundles';
import { Store } from '@palermo/store';
import { NODE_CONFIG, NODE_KEYS, type NodeConfig, type NodeKeys } from '../node/node-context';
import { loadRetiredPrivateKey, type SigningKey } from './node-keys';

/** The private key of this node that opens what was encrypted to a fingerprint, or why there is none. */
export type DecryptionKey =
  | { ok: true; privateKey: NodePrivateKey }
  | { ok: false; code: 'BUNDLE_NOT_FOR_THIS_NODE' | 'BUNDLE_ENCRYPTED_TO_COMPROMISED_KEY'; message: string };

/**
 * Every key of this node that may decrypt a bundle: the current one, the next one from the moment
 * a rotation committed it (a fast partner may encrypt to it before the swap), and earlier keys whose
 * private halves `keys/retired/` keeps. Partners keep encrypting to an earlier key for a while after
 * a rotation (their backlog for us, bundles in flight, everything before they read the rotation), so
 * an earlier key opens bundles for as long as it is kept: time alone does not make its ciphertexts
 * less confidential, and the partner's signature, checked afterwards on the canonical bytes, is what
 * decides authenticity either way (anyone can encrypt to a public key).
 *
 * A key revoked as `key-compromise` opens nothing: whoever stole it may have read every ciphertext
 * made to it, so a bundle encrypted to it did not travel confidentially. Importing it silently would
 * hide that a TLP:RED or AMBER+STRICT disclosure leaked; quarantined (with the ciphertext) under its
 * own code it is visible to the operator, and the publisher can send it again to the current key.
 */
@Injectable()
export class OwnKeyRing {
  private staged: SigningKey | null = null;
  // Reading an armored private key costs a few ms: once per retired key, not per bundle.
  private readonly retired = new Map<string, Promise<NodePrivateKey | null>>();

  constructor(
    private readonly store: Store,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(NODE_KEYS) private readonly keys: NodeKeys,
  ) {}

  /** A rotation committed `next` (database and files) and is about to publish its statement: it decrypts from now on. */
  stage(next: SigningKey): void {
    this.staged = next;
  }

  /** The key that decrypts what was encrypted to `fingerprint`; refused when it is not one of ours or is compromised. */
  async decryptionKey(fingerprint: string): Promise<DecryptionKey> {
    const current = this.keys.privateKey;
    if (fingerprintOf(current) === fingerprint) return { ok: true, privateKey: current };
    if (this.staged?.fingerprint === fingerprint) return { ok: true, privateKey: this.staged.privateKey };
    const shown = fingerprint.slice(0, 80);
    const own = (await this.store.keyHistory.ownKeys()).find((k) => k.fingerprint === fingerprint);
    if (!own) return { ok: false, code: 'BUNDLE_NOT_FOR_THIS_NODE', message: `Palermo-Encrypted names key ${shown}, not one of this node's keys (current ${this.keys.fingerprint})` };
    if (own.revocationReason === 'key-compromise') {
      return { ok: false, code: 'BUNDLE_ENCRYPTED_TO_COMPROMISED_KEY', message: `encrypted to this node's key ${fingerprint}, revoked as compromised from ${own.compromisedAt}: not opened, its contents may have been read by others` };
    }
    const privateKey = await this.loadRetired(fingerprint);
    if (!privateKey) return { ok: false, code: 'BUNDLE_NOT_FOR_THIS_NODE', message: `encrypted to this node's earlier key ${fingerprint}, whose private half keys/retired/ no longer holds` };
    return { ok: true, privateKey };
  }

  private loadRetired(fingerprint: string): Promise<NodePrivateKey | null> {
    let key = this.retired.get(fingerprint);
    if (!key) {
      key = loadRetiredPrivateKey(this.config.dataDir, fingerprint);
      this.retired.set(fingerprint, key);
      // A missing or unreadable file is looked for again next time (an operator may restore it).
      key.then((k) => k ?? this.retired.delete(fingerprint)).catch(() => this.retired.delete(fingerprint));
    }
    return key;
  }
}
