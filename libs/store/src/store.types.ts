import type { Bundle } from '@palermo/bundles';
import type { IndicatorType, Tlp, WireIndicator } from '@palermo/indicators';
import type { ExportAction, ImportAction, IndicatorFacts } from '@palermo/policy';

/** Normalized analyst input (validated and normalized by @palermo/indicators). */
export type { IndicatorInput } from '@palermo/indicators';

/** How to reach the database: PostgreSQL when `databaseUrl` is set, PGlite otherwise. */
export interface StoreOptions {
  /** postgres:// URL; when absent the store runs on embedded PGlite. */
  databaseUrl?: string;
  /** PGlite data directory; undefined = in-memory (tests). Ignored with `databaseUrl`. */
  pgliteDir?: string;
  /** Log every ORM query (raw bulk statements are not logged). */
  debug?: boolean;
}

/** One page of a keyset-paginated list; `nextCursor` is null on the last page. */
export interface Page<T> {
  /** The rows of this page. */
  items: T[];
  /** Opaque base64url cursor for the next page, or null when there is none. */
  nextCursor: string | null;
}

/** An indicator as stored on this node (own or imported). Dates are ISO 8601 UTC strings. */
export interface IndicatorRecord {
  /** The origin's uuid v7 (the id on the wire). */
  id: string;
  /** Node id of the origin. */
  origin: string;
  /** True when this node is the origin. */
  own: boolean;
  type: IndicatorType;
  /** Normalized value; null when the import policy kept only a pseudonym. */
  value: string | null;
  /** Keyed HMAC of the value when pseudonymized on import, else null. */
  pseudonym: string | null;
  platform: string | null;
  chain: string | null;
  tlp: Tlp;
  confidence: number;
  tags: string[];
  firstSeen: string;
  lastSeen: string;
  validUntil: string | null;
  description: string | null;
  /** Version at the origin; a higher version supersedes. */
  version: number;
  /** When this version was made at the origin. */
  modifiedAt: string;
  revokedAt: string | null;
  revokeReason: string | null;
  /** Imported indicators: when retention purges it (null = no limit, and for own indicators). */
  expiresAt: string | null;
  /** Imported indicators: the node that relayed the stored version when it is not the origin (onward sharing), else null. */
  relayedBy: string | null;
  /** When this row was first stored on this node. */
  createdAt: string;
  updatedAt: string;
}

/** Outcome of one item of `upsertOwn`, in input order. */
export interface UpsertOwnResult {
  /** The indicator id (uuid v7, minted here when created). */
  id: string;
  version: number;
  status: 'created' | 'updated' | 'unchanged';
}

/** Filters of `indicators.search`; every filter is an exact match on normalized data. */
export interface IndicatorSearch {
  type?: IndicatorType;
  /** Normalized value (the caller normalizes). */
  value?: string;
  /** Pseudonym (HMAC) to find pseudonymized imports of a value. */
  pseudonym?: string;
  /** A value held either in clear or as this pseudonym (an analyst's search by value). */
  valueOrPseudonym?: { value: string; pseudonym: string };
  /** Origin node id. */
  origin?: string;
  /** Platform of a username (normalized). */
  platform?: string;
  /** Chain of a crypto wallet. */
  chain?: string;
  /** One tag the indicator must carry (must match TAG_PATTERN). */
  tag?: string;
  /** Include revoked indicators (default false). */
  includeRevoked?: boolean;
  /** Include indicators whose `validUntil` has passed (default false: expired ones are not active). */
  includeExpired?: boolean;
  cursor?: string;
  /** Page size, 1–1000. */
  limit: number;
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

/** An indicator with where it came from and why it is here. */
export interface IndicatorProvenance {
  indicator: IndicatorRecord;
  /** Hash of the bundle that brought the stored version; null for own indicators. */
  bundleHash: string | null;
  /** Latest import decision for (origin, id); null for own indicators. */
  decision: DecisionRecord | null;
}

/** An own indicator whose current version has not been exported yet. */
export interface PendingExport {
  id: string;
  version: number;
  /** The indicator as it goes on the wire (its last upserted state for revocations). */
  indicator: WireIndicator;
  /** Set when the pending change is a revocation. */
  revoked: { at: string; reason: string } | null;
}

/**
 * An imported indicator the exporter has not yet considered for onward sharing at its current
 * version (or whose origin's revocation it has not yet passed on).
 */
export interface PendingRelay extends PendingExport {
  /** The origin node (never this node). */
  originNode: string;
  /** The node that sent this node the stored version: the origin, or the partner that relayed it. */
  receivedFrom: string;
  /** Kept only as a pseudonym: never passed on (the wire indicator then has an empty value). */
  pseudonymized: boolean;
}

/** One event in an indicator's life as this node saw it (GET /indicators?include=history). */
export interface IndicatorHistoryEvent {
  /** `received`: a version arrived (with this node's import decision); `revoked`: the origin's revocation took effect; `revocation-refused`: a node that never sent this indicator tried to revoke it. */
  event: 'received' | 'revoked' | 'revocation-refused';
  at: string;
  version: number | null;
  /** The node whose bundle carried it. */
  from: string | null;
  bundleHash: string | null;
  /** Import action (received), revocation reason (revoked) or refusal code (revocation-refused). */
  detail: string | null;
  reasons?: string[];
}

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

/** A message that failed verification, kept with its reason (never silently dropped). */
export interface QuarantineInput {
  publisher?: string | null;
  audience?: string | null;
  subject: string;
  streamSeq?: number | null;
  payload: Uint8Array;
  headers: Record<string, string>;
  code: string;
  message: string;
  /** The signed receipt telling the publisher, when its publisher and chain are known (outbox, same transaction). */
  receipt?: OutgoingReceipt;
  /** Audit action of the record (default `bundle.quarantined`; refused receipts use `receipt.refused`). */
  auditAction?: string;
}

/** A quarantined message without its payload. */
export interface QuarantineSummary {
  id: string;
  publisher: string | null;
  audience: string | null;
  subject: string;
  streamSeq: number | null;
  payloadSha256: string;
  payloadSize: number;
  headers: Record<string, string>;
  code: string;
  message: string;
  receivedAt: string;
  /** When retention emptied the payload (then payloadSize is 0), else null. */
  payloadClearedAt: string | null;
}

/** A quarantined message with its payload. */
export interface QuarantineRecord extends QuarantineSummary {
  payload: Uint8Array;
}

/** This node's signing key (public half only; the private key stays on disk). */
export interface NodeKeyRecord {
  nodeId: string;
  fingerprint: string;
  armoredPublicKey: string;
  createdAt: string;
}

/** A partner node and its pinned public key. */
export interface PartnerRecord {
  nodeId: string;
  jurisdiction: string;
  fingerprint: string;
  armoredPublicKey: string;
  createdAt: string;
  updatedAt: string;
}

/** An API token without its secret. */
export interface ApiTokenRecord {
  id: string;
  name: string;
  role: string;
  /** The partner node a `partner` token is scoped to; null for every other role. */
  partner: string | null;
  createdAt: string;
  revokedAt: string | null;
}

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
