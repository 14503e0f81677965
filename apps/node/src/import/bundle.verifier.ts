import { Inject, Injectable } from '@nestjs/common';
import { bundleHash, parseBundleBytes, type Bundle } from '@palermo/bundles';
import { FEED_HEADERS, type FeedMessage } from '@palermo/federation';
import { COMMUNITY_AUDIENCE } from '@palermo/indicators';
import { Store, type PartnerRecord } from '@palermo/store';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { QuarantineReason } from './quarantine.reason';
import { SignerKeys } from '../keys/signer.keys';
import { OwnKeyRing } from '../keys/own-key.ring';
import { BundleOpener } from './bundle.opener';

/** A bundle that passed every check that needs no chain state. */
export interface VerifiedBundle {
  bundle: Bundle;
  hash: string;
  signature: Uint8Array;
  signer: string;
  publisherJurisdiction: string;
  /** The canonical bytes (decrypted when the payload was encrypted). */
  bytes: Uint8Array;
  /** The key of this node (current or earlier) the bundle arrived encrypted to; null = in clear. */
  encryptedTo: string | null;
}

/**
 * Step 4 of a bundle's journey, before anything else touches it: size, parse, hash, routing,
 * pinned publisher and signature. Returns a QuarantineReason for the first check that fails.
 */
@Injectable()
export class BundleVerifier {
  private readonly opener: BundleOpener;

  constructor(
    private readonly store: Store,
    private readonly signers: SignerKeys,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    ring: OwnKeyRing,
  ) {
    this.opener = new BundleOpener(ring, config.import.maxBundleBytes);
  }

  async verify(msg: FeedMessage): Promise<VerifiedBundle | QuarantineReason> {
    const maxBytes = this.config.import.maxBundleBytes;
    if (msg.payload.length > maxBytes) {
      return new QuarantineReason('BUNDLE_OVERSIZE', `payload of ${msg.payload.length} bytes exceeds the limit of ${maxBytes}`);
    }
    // Encrypted payloads are decrypted first: every check below reads the canonical bytes.
    const opened = await this.opener.open(msg);
    if (opened instanceof QuarantineReason) return opened;
    const { bytes, encryptedTo } = opened;
    const hash = bundleHash(bytes);
    const claimed = msg.headers[FEED_HEADERS.hash];
    if (claimed !== undefined && claimed !== hash) {
      return new QuarantineReason('BUNDLE_HASH_MISMATCH', `Palermo-Hash ${claimed.slice(0, 80)} does not match the payload's SHA-256 ${hash}`);
    }
    const parsed = parseBundleBytes(bytes, { maxBytes });
    if (!parsed.ok) return new QuarantineReason(parsed.code, parsed.message);
    const { bundle } = parsed;
    const routing = this.checkRouting(msg, bundle);
    if (routing) return routing;
    const partner = await this.store.partners.get(bundle.publisher);
    if (!partner) return new QuarantineReason('BUNDLE_UNKNOWN_PUBLISHER', `publisher ${bundle.publisher} is not a pinned partner of this node`);
    const verified = await this.checkSignature(msg, { bundle, hash, bytes }, partner);
    return verified instanceof QuarantineReason ? verified : { ...verified, bytes, encryptedTo };
  }

  // The subject says whose stream and which chain this is; the signed body must say the same.
  private checkRouting(msg: FeedMessage, bundle: Bundle): QuarantineReason | undefined {
    if (bundle.publisher !== msg.publisher) {
      return new QuarantineReason('BUNDLE_PUBLISHER_MISMATCH', `bundle claims publisher ${bundle.publisher} but arrived on ${msg.publisher}'s feed`);
    }
    if (bundle.audience !== msg.audience) {
      return new QuarantineReason('BUNDLE_AUDIENCE_MISMATCH', `bundle is addressed to ${bundle.audience} but arrived on the ${msg.audience} chain`);
    }
    if (bundle.audience !== COMMUNITY_AUDIENCE && bundle.audience !== this.config.nodeId) {
      return new QuarantineReason('BUNDLE_AUDIENCE_MISMATCH', `bundle is addressed to ${bundle.audience}, not to this node`);
    }
    return undefined;
  }

  private async checkSignature(
    msg: FeedMessage,
    { bundle, hash, bytes }: { bundle: Bundle; hash: string; bytes: Uint8Array },
    partner: PartnerRecord,
  ): Promise<Omit<VerifiedBundle, 'bytes' | 'encryptedTo'> | QuarantineReason> {
    // Routing passed and the publisher is pinned: its stream carried this, so it is told (receipt).
    const about = { bundle, hash };
    const encoded = msg.headers[FEED_HEADERS.signature];
    if (!encoded) return new QuarantineReason('BUNDLE_SIGNATURE_MISSING', 'the Palermo-Signature header is absent', about);
    const signature = Buffer.from(encoded, 'base64');
    if (signature.length === 0 || signature.toString('base64') !== encoded.replace(/\s/g, '')) {
      return new QuarantineReason('BUNDLE_SIGNATURE_INVALID', 'the Palermo-Signature header is not valid base64', about);
    }
    // The pinned key, or an earlier key of the publisher where its history allows (keys/signer.keys.ts).
    const result = await this.signers.check(bytes, signature, bundle, partner);
    if (!result.ok) return new QuarantineReason(result.code, result.message, about);
    return { bundle, hash, signature, signer: result.fingerprint, publisherJurisdiction: result.jurisdiction };
  }

}
