// What the store says about bundles and the decisions made on them (export, import).
import type { Bundle } from '@palermo/bundles';
import type { WireIndicator } from '@palermo/indicators';
import type { ExportAction, ImportAction, IndicatorFacts } from '@palermo/policy';
import type { OutgoingReceipt } from './receipt.types';

/** A bundle as stored (both directions), without its bytes. */
export interface BundleSummary {
  hash: string;
  direction: 'in' | 'out';
  publisher: string;
  audience: string;
  seq: number;
  prev: string | null;
  bundleId: string;
  createdAt: string;
  storedAt: string;
  receivedAt: string | null;
  publishedAt: string | null;
  streamSeq: number | null;
  signer: string;
  entryCount: number;
  upsertCount: number;
  revokeCount: number;
  acceptedCount: number;
  pseudonymizedCount: number;
  rejectedCount: number;
  /** Inbound bundles: when retention drops the bytes (null = no limit). */
  expiresAt: string | null;
  /**
   * Key fingerprint the bundle travels encrypted to: outbound, the partner key pinned when it was
   * stored (it is encrypted to the key pinned at publish time); inbound, this node's key. Null = in clear.
   */
  encryptedTo: string | null;
}

/** A stored bundle with its canonical bytes and binary detached signature. */
export interface BundleRecord extends BundleSummary {
  /** Null when the bytes were not kept (see ImportCommit.bytes). */
  bytes: Uint8Array | null;
  signature: Uint8Array;
}

/** A signed outbound bundle, ready to store. */
export interface SignedBundle {
  bundle: Bundle;
  hash: string;
  /** Canonical bytes (RFC 8785). */
  bytes: Uint8Array;
  /** Binary detached OpenPGP signature. */
  signature: Uint8Array;
  /** Signer key fingerprint (lower hex). */
  signer: string;
  /** Fingerprint of the partner key it must be encrypted to (restricted entries, or the agreement says so); absent = in clear. */
  encryptedTo?: string | null;
}

/** What `saveOutbound` needs: one signed bundle and which own indicator versions it carries. */
export interface OutboundBundle extends SignedBundle {
  /** Own indicator versions this bundle exports (upserts and revocations). */
  exported: { id: string; version: number }[];
  /** Export decisions to store with it (default none). */
  decisions?: ExportDecisionInput[];
}

/**
 * Several signed bundles (e.g. one per audience) stored in one transaction with the export
 * decisions, the own versions they export, and a backfill cursor.
 */
export interface OutboundBatch {
  bundles: SignedBundle[];
  /** Own indicator versions these bundles export (may be empty: a backfill-only batch). */
  exported: { id: string; version: number }[];
  /** Every export decision of this batch, withheld ones included (bundleHash null). */
  decisions: ExportDecisionInput[];
  /** Imported indicators this batch considered for onward sharing (their version, and whether their revocation). */
  relayed?: { originNode: string; id: string; version: number; revoked: boolean }[];
  /** Advances one agreement's backfill cursor in the same transaction. */
  backfill?: {
    agreementId: string;
    /** last own indicator pk covered */
    pk: string;
    /** sets backfilledAt */
    done: boolean;
    /** the cursor this page started from (null = the start); if it moved meanwhile (a resume restarted it), nothing is stored */
    from?: string | null;
  };
}

/** What the export policy did with one own indicator version for one audience. */
export type ExportDecisionAction = ExportAction;

/** One export decision as saveOutbound stores it. */
export interface ExportDecisionInput {
  /** A partner node id or "all". */
  audience: string;
  originId: string;
  version: number;
  /** 'revoke' records a revoke entry sent to this audience. */
  action: ExportDecisionAction | 'revoke';
  /** Deciding rule ids; never empty (DECISION_WITHOUT_REASON). */
  reasons: string[];
  policyVersion: number | null;
  agreementId: string | null;
  /** The bundle (of this batch) carrying the entry; null when withheld. */
  bundleHash: string | null;
  /** Position of the entry in that bundle; null exactly when bundleHash is null. */
  entryIndex: number | null;
}

/** A stored export decision. */
export interface ExportDecisionRecord extends ExportDecisionInput {
  decidedAt: string;
}

/**
 * The import policy's verdict on one upsert entry of an inbound bundle. The decision row keeps
 * the entry's facts (origin, type, tlp, confidence, tags, firstSeen) taken from `indicator`.
 */
export interface ImportEntryDecision extends EntryDecisionFields {
  /** Value to store for `accept` (defaults to indicator.value). */
  value?: string;
  /** Pseudonym to store for `accept-pseudonymized` (required there). */
  pseudonym?: string;
  /**
   * For a `reject`: keep an older copy this node holds (the rejection is about the agreement or the
   * sender, not about the new content). Otherwise a rejected newer version drops the older copy.
   */
  keepsOlder?: boolean;
  indicator: WireIndicator;
}

/** A revocation entry of an inbound bundle; only the origin may revoke, so its origin is the publisher. */
export interface ImportRevocation {
  originId: string;
  reason: string;
  /** Must equal the bundle's publisher when given (else REVOCATION_NOT_BY_ORIGIN). */
  originNode?: string;
  /** Position in the bundle, for the caller's bookkeeping (not stored). */
  entryIndex?: number;
}

/** Everything of one verified inbound bundle that commits in one transaction. */
export interface ImportCommit {
  bundle: Bundle;
  hash: string;
  /**
   * Canonical bytes to keep, or null: a node that pseudonymizes or rejects values must not keep
   * them in clear inside the bundle either (the hash and signature still prove what was received).
   */
  bytes: Uint8Array | null;
  signature: Uint8Array;
  signer: string;
  /** This node's key fingerprint when the bundle arrived encrypted to it (the bytes above are the decrypted canonical bytes). */
  encryptedTo?: string | null;
  /** JetStream sequence of the message that carried it. */
  streamSeq?: number;
  decisions: ImportEntryDecision[];
  revocations: ImportRevocation[];
  /** Retention of accepted indicators and of the bundle bytes (now + agreement.retentionDays); null = no limit. */
  expiresAt: string | null;
  /** Version of the jurisdiction policy that decided, stored with every decision. */
  policyVersion: number | null;
  /** The publisher's agreement the decisions ran under, stored with every decision. */
  agreementId: string | null;
  /** The signed receipt of this decision, put in the outbox in the same transaction (none for a duplicate). */
  receipt?: OutgoingReceipt;
}

/** What the import policy decided on one upsert entry, and which rules decided it. */
export interface EntryDecisionFields {
  entryIndex: number;
  originNode: string;
  originId: string;
  version: number;
  action: ImportAction;
  reasons: string[];
}

/** The facts a policy sees of one indicator (never its value). */
export type DecisionFacts = IndicatorFacts;

/** An import decision on one entry of an inbound bundle. */
export interface DecisionRecord extends EntryDecisionFields {
  bundleHash: string;
  decidedAt: string;
  /** Version of the jurisdiction policy that decided (null before policy versions existed). */
  policyVersion: number | null;
  /** The publisher's agreement the decision ran under, if any. */
  agreementId: string | null;
  /** What the policy saw; null on decisions stored before issue 3. */
  facts: DecisionFacts | null;
}

/** One inbound bundle with every import decision on it (for the policy simulator). */
export interface InboundWithDecisions {
  bundle: BundleSummary;
  /** In entry order. */
  decisions: DecisionRecord[];
}
