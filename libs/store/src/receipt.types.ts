// What the store says about receipts: issued, received, and per-chain status.

/** A signed receipt this node issues about a bundle it received, stored in the outbox with the decision. */
export interface OutgoingReceipt {
  /** The bundle's publisher, to whom the receipt goes. */
  publisher: string;
  bundleHash: string;
  seq: number;
  audience: string;
  outcome: 'imported' | 'quarantined';
  /** SHA-256 of the receipt's canonical bytes (its Nats-Msg-Id). */
  receiptHash: string;
  bytes: Uint8Array;
  signature: Uint8Array;
  quarantineReason?: string;
}

/** An outbox row not yet acknowledged by the publisher's receipts stream. */
export interface PendingReceipt {
  id: string;
  publisher: string;
  bundleHash: string;
  receiptHash: string;
  bytes: Uint8Array;
  signature: Uint8Array;
  attempts: number;
}

/** A receipt this node received about one of its bundles, already verified. */
export interface IncomingReceipt {
  recipient: string;
  bundleHash: string;
  seq: number;
  audience: string;
  outcome: 'imported' | 'quarantined';
  counts: { accepted: number; pseudonymized: number; rejected: number };
  quarantineReason: string | null;
  /** The recipient's decision time, from the receipt. */
  receivedAt: string;
  receiptHash: string;
  bytes: Uint8Array;
  signature: Uint8Array;
  signer: string;
}

/** One receipt as GET /bundles/:hash shows it. */
export interface ReceiptRecord {
  recipient: string;
  outcome: 'imported' | 'quarantined';
  counts: { accepted: number; pseudonymized: number; rejected: number };
  quarantineReason: string | null;
  receivedAt: string;
  storedAt: string;
  receiptHash: string;
  signer: string;
}

/** What the publisher knows about one chain it sends to a partner, from the receipts it got back. */
export interface ChainReceiptStatus {
  /** The chain: the partner's node id or `all`. */
  audience: string;
  /** Bundles of this chain published to the feed stream (acknowledged by JetStream). */
  sent: number;
  lastSeqSent: number | null;
  /** Bundles of this chain the partner sent a receipt for. */
  receipted: number;
  lastSeqReceipted: number | null;
  imported: number;
  quarantined: number;
  /** Sent bundles without a receipt from this partner yet. */
  outstanding: number;
  /** Totals over the imported receipts. */
  counts: { accepted: number; pseudonymized: number; rejected: number };
  /** The quarantined bundles with the partner's reason (latest receipt per bundle). */
  quarantinedBundles: { bundleHash: string; seq: number; reason: string | null; receivedAt: string }[];
}

/** Published bundles of one own chain at or below a recipient's consumer positions (issue 4 item 4, "delivered"). */
export interface ChainDeliveryCounts {
  /** Bundles JetStream delivered to the recipient (acked or not). */
  delivered: number;
  lastSeqDelivered: number | null;
  /** Bundles the recipient acked (its import or quarantine committed). */
  acked: number;
  lastSeqAcked: number | null;
}
