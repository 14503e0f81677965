import { Inject, Injectable } from '@nestjs/common';
import { RECEIPT_SPEC, signReceipt, type Bundle, type Receipt } from '@palermo/bundles';
import type { ImportEntryDecision, OutgoingReceipt } from '@palermo/store';
import { NODE_CONFIG, NODE_KEYS, type NodeConfig, type NodeKeys } from '../node/node-context';

/** Quarantine codes are stable SCREAMING_SNAKE; anything else is reported as this. */
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/**
 * Makes the signed receipt of one import decision (step 7 of a bundle's journey): counts only,
 * never indicator data. Signed before the import transaction, which stores it in the outbox.
 */
@Injectable()
export class ReceiptIssuer {
  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(NODE_KEYS) private readonly keys: NodeKeys,
  ) {}

  /** The receipt of a bundle whose entries the import policy decided (accepted, partly, or all rejected). */
  imported(bundle: Bundle, hash: string, decisions: readonly ImportEntryDecision[], now = new Date()): Promise<OutgoingReceipt> {
    const counts = { accepted: 0, pseudonymized: 0, rejected: 0 };
    for (const d of decisions) {
      if (d.action === 'accept') counts.accepted++;
      else if (d.action === 'accept-pseudonymized') counts.pseudonymized++;
      else counts.rejected++;
    }
    return this.sign(this.base(bundle, hash, now, 'imported', counts));
  }

  /** The receipt of a bundle refused before import, whose publisher and chain are known. */
  quarantined(bundle: Bundle, hash: string, code: string, now = new Date()): Promise<OutgoingReceipt> {
    const receipt = this.base(bundle, hash, now, 'quarantined', { accepted: 0, pseudonymized: 0, rejected: 0 });
    return this.sign({ ...receipt, quarantineReason: CODE.test(code) ? code : 'QUARANTINED' });
  }

  private base(bundle: Bundle, hash: string, now: Date, outcome: Receipt['outcome'], counts: Receipt['counts']): Receipt {
    return {
      spec: RECEIPT_SPEC,
      publisher: bundle.publisher,
      recipient: this.config.nodeId,
      bundleHash: hash,
      seq: bundle.seq,
      audience: bundle.audience,
      receivedAt: now.toISOString(),
      outcome,
      counts,
    };
  }

  private async sign(receipt: Receipt): Promise<OutgoingReceipt> {
    const signed = await signReceipt(receipt, this.keys.privateKey);
    return {
      publisher: receipt.publisher,
      bundleHash: receipt.bundleHash,
      seq: receipt.seq,
      audience: receipt.audience,
      outcome: receipt.outcome,
      receiptHash: signed.hash,
      bytes: signed.bytes,
      signature: signed.signature,
      quarantineReason: receipt.quarantineReason,
    };
  }
}
