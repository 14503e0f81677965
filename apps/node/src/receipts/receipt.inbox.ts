import { Inject, Injectable, Logger } from '@nestjs/common';
import { verifyReceipt, type Receipt, type ReceiptResult } from '@palermo/bundles';
import { FEED_HEADERS, type FeedVerdict, type ReceiptMessage } from '@palermo/federation';
import { Store } from '@palermo/store';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { SignerKeys } from '../keys/signer.keys';
import { quarantineRefused } from '../node/refusal.quarantine';

/** Why a receipt was not believed; the message is kept in quarantine with it. */
class RefusedReceipt {
  constructor(
    readonly code: string,
    readonly message: string,
  ) {}
}

/**
 * The publisher's side of step 7: every receipt is checked before it counts — signed by the PINNED
 * key of the recipient the subject names (the server lets only that node publish there), about a
 * bundle this node published on that chain. Anything else goes to quarantine with its reason.
 * Stored idempotently by receipt hash: a redelivered receipt counts once.
 */
@Injectable()
export class ReceiptInbox {
  private readonly logger = new Logger('ReceiptInbox');
  constructor(
    private readonly store: Store,
    private readonly signers: SignerKeys,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  readonly handle = async (msg: ReceiptMessage): Promise<FeedVerdict> => {
    const checked = await this.check(msg);
    if (checked instanceof RefusedReceipt) return this.refuse(msg, checked);
    const { receipt, hash, signer, signature } = checked;
    const { duplicate } = await this.store.receipts.recordReceived({
      recipient: receipt.recipient,
      bundleHash: receipt.bundleHash,
      seq: receipt.seq,
      audience: receipt.audience,
      outcome: receipt.outcome,
      counts: receipt.counts,
      quarantineReason: receipt.quarantineReason ?? null,
      receivedAt: receipt.receivedAt,
      receiptHash: hash,
      bytes: msg.payload,
      signature,
      signer,
    });
    if (!duplicate) this.logger.log(`receipt from ${receipt.recipient}: ${receipt.audience}#${receipt.seq} ${receipt.bundleHash.slice(0, 12)} ${receipt.outcome}`);
    return 'ack';
  };

  private async check(msg: ReceiptMessage): Promise<{ receipt: Receipt; hash: string; signer: string; signature: Uint8Array } | RefusedReceipt> {
    const partner = await this.store.partners.get(msg.recipient);
    if (!partner) return new RefusedReceipt('RECEIPT_UNKNOWN_RECIPIENT', `${msg.recipient} is not a pinned partner of this node`);
    const encoded = msg.headers[FEED_HEADERS.signature];
    const signature = Buffer.from(encoded ?? '', 'base64');
    if (!encoded || signature.length === 0 || signature.toString('base64') !== encoded.replace(/\s/g, '')) {
      return new RefusedReceipt('RECEIPT_SIGNATURE_INVALID', 'the Palermo-Signature header is absent or not base64');
    }
    // The pinned key, or an earlier key of the recipient for a receipt made before its rotation (keys/signer.keys.ts).
    const checked = await this.signers.verifyWithHistory<Extract<ReceiptResult, { ok: true }>, Extract<ReceiptResult, { ok: false }>>(partner, (r) => r.receipt.receivedAt, (key) => verifyReceipt(msg.payload, signature, key));
    if (!checked.ok) return new RefusedReceipt(checked.code, checked.message);
    const { receipt, hash } = checked.verified;
    if (receipt.recipient !== msg.recipient) {
      return new RefusedReceipt('RECEIPT_RECIPIENT_MISMATCH', `receipt names ${receipt.recipient} but arrived on ${msg.recipient}'s subject`);
    }
    if (receipt.publisher !== this.config.nodeId) return new RefusedReceipt('RECEIPT_PUBLISHER_MISMATCH', `receipt is about ${receipt.publisher}'s bundle, not this node's`);
    const sent = await this.store.receipts.sentBundle(receipt.bundleHash);
    if (!sent) return new RefusedReceipt('RECEIPT_UNKNOWN_BUNDLE', `this node never published a bundle ${receipt.bundleHash}`);
    if (sent.audience !== receipt.audience || sent.seq !== receipt.seq) {
      return new RefusedReceipt('RECEIPT_CHAIN_MISMATCH', `bundle ${receipt.bundleHash.slice(0, 12)} is ${sent.audience}#${sent.seq}, the receipt says ${receipt.audience}#${receipt.seq}`);
    }
    return { receipt, hash, signer: checked.fingerprint, signature };
  }

  private refuse(msg: ReceiptMessage, reason: RefusedReceipt): Promise<FeedVerdict> {
    return quarantineRefused(this.store, this.logger, { ...msg, sender: msg.recipient }, reason, 'receipt.refused', 'receipt');
  }
}
