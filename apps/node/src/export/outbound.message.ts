import { Injectable } from '@nestjs/common';
import type { FeedPublishInput } from '@palermo/federation';
import type { BundleRecord } from '@palermo/store';

/** A stored outbound bundle with its canonical bytes. */
export type StoredOutbound = BundleRecord & { bytes: Uint8Array };

/**
 * The feed message a stored outbound bundle travels as. One place builds it, so the live feed and
 * a resync answer send the same thing for the same bundle (and whatever wraps the canonical bytes
 * for the wire is decided here once).
 */
@Injectable()
export class OutboundMessages {
  /** The publish input for one stored bundle: payload, hash (the Nats-Msg-Id), signer and detached signature. */
  async build(stored: StoredOutbound): Promise<FeedPublishInput> {
    return {
      publisher: stored.publisher,
      audience: stored.audience,
      hash: stored.hash,
      payload: stored.bytes,
      signerFingerprint: stored.signer,
      signature: stored.signature,
    };
  }
}
