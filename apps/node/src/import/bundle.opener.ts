import { decryptBundle, type NodePrivateKey } from '@palermo/bundles';
import { FEED_HEADERS, type FeedMessage } from '@palermo/federation';
import { QuarantineReason } from './quarantine.reason';

/** The canonical bytes a feed message carries, and the key they were encrypted to (null = in clear). */
export interface OpenedPayload {
  bytes: Uint8Array;
  encryptedTo: string | null;
}

/**
 * First step of verification for encrypted bundles (TLP:AMBER+STRICT, TLP:RED, or an agreement that
 * requires it): a payload announced as encrypted (Palermo-Encrypted) is decrypted with this node's
 * key before anything reads it; size, hash, parse and signature then check the canonical bytes
 * inside. Whatever is not for this node or does not decrypt is quarantined with the ciphertext.
 */
export class BundleOpener {
  constructor(
    private readonly keys: { fingerprint: string; privateKey: NodePrivateKey },
    private readonly maxBytes: number,
  ) {}

  async open(msg: FeedMessage): Promise<OpenedPayload | QuarantineReason> {
    const recipient = msg.headers[FEED_HEADERS.encrypted];
    // No header: the canonical bytes in clear (an encrypted payload without it fails the hash check).
    if (recipient === undefined) return { bytes: msg.payload, encryptedTo: null };
    if (recipient !== this.keys.fingerprint) {
      return new QuarantineReason('BUNDLE_NOT_FOR_THIS_NODE', `Palermo-Encrypted names key ${recipient.slice(0, 80)}, not this node's ${this.keys.fingerprint}`);
    }
    // The header is unsigned: the message itself must name this node's key too (decryptBundle checks).
    const opened = await decryptBundle(msg.payload, this.keys.privateKey, this.maxBytes);
    if (!opened.ok) return new QuarantineReason(opened.code, opened.message);
    return { bytes: opened.bytes, encryptedTo: this.keys.fingerprint };
  }
}
