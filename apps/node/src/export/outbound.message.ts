import { Injectable } from '@nestjs/common';
import { encryptBundle } from '@palermo/bundles';
import type { FeedPublishInput } from '@palermo/federation';
import { DomainError } from '@palermo/indicators';
import { Store, type BundleRecord } from '@palermo/store';
import { PinnedKeys } from '../keys/pinned-keys.cache';

/** A stored outbound bundle with its canonical bytes. */
export type StoredOutbound = BundleRecord & { bytes: Uint8Array };

/**
 * The feed message a stored outbound bundle travels as. One place builds it, so the live feed and
 * a resync answer send the same thing for the same bundle (and whatever wraps the canonical bytes
 * for the wire is decided here once).
 */
@Injectable()
export class OutboundMessages {
  private readonly keys = new PinnedKeys();

  constructor(private readonly store: Store) {}

  /**
   * The publish input for one stored bundle: payload, hash (the Nats-Msg-Id), signer and detached
   * signature. A bundle stored as encrypted (encryptedTo) travels as an OpenPGP message to its
   * partner's key; hash and signature still cover the canonical bytes.
   */
  async build(stored: StoredOutbound): Promise<FeedPublishInput> {
    const message = {
      publisher: stored.publisher,
      audience: stored.audience,
      hash: stored.hash,
      payload: stored.bytes,
      signerFingerprint: stored.signer,
      signature: stored.signature,
    };
    if (!stored.encryptedTo) return message;
    // encryptedTo records that it must be encrypted and to whom at store time. If the partner's key
    // was rotated since, the key pinned NOW is the one the partner can decrypt with: encrypt to it
    // (and name it in Palermo-Encrypted). Each build encrypts afresh; the ciphertext is never stored.
    const partner = await this.store.partners.get(stored.audience);
    if (!partner) throw new DomainError('PARTNER_NOT_PINNED', `bundle ${stored.hash} must be encrypted to ${stored.audience}, which is no longer a pinned partner`);
    const payload = await encryptBundle(stored.bytes, await this.keys.get(partner));
    return { ...message, payload, encryptedTo: partner.fingerprint };
  }
}
