import { decryptBundle } from '@palermo/bundles';
import { FEED_HEADERS, type FeedMessage } from '@palermo/federation';
import type { DecryptionKey } from '../keys/own-key.ring';
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
 * inside. "This node's key" is its key ring (keys/own-key.ring.ts): after a rotation partners still
 * encrypt to the earlier key for a while. Whatever is not for one of those keys, is for a key revoked
 * as compromised, or does not decrypt is quarantined with the ciphertext.
 */
export class BundleOpener {
  constructor(
    private readonly ring: { decryptionKey(fingerprint: string): Promise<DecryptionKey> },
    private readonly maxBytes: number,
  ) {}

  async open(msg: FeedMessage): Promise<OpenedPayload | QuarantineReason> {
    const recipient = msg.headers[FEED_HEADERS.encrypted];
    // No header: the canonical bytes in clear (an encrypted payload without it fails the hash check).
    if (recipient === undefined) return { bytes: msg.payload, encryptedTo: null };
    const key = await this.ring.decryptionKey(recipient);
    if (!key.ok) return new QuarantineReason(key.code, key.message);
    // The header is unsigned: the message itself must name that key too (decryptBundle checks).
    const opened = await decryptBundle(msg.payload, key.privateKey, this.maxBytes);
    if (!opened.ok) return new QuarantineReason(opened.code, opened.message);
    return { bytes: opened.bytes, encryptedTo: recipient };
  }
}
