import type { IndicatorType } from '@palermo/indicators';
import type { ActorRef, AgreementCommand, AgreementInput, AgreementState, AgreementTerms, Direction, Purpose } from '@palermo/policy';

// Agreements, the audit log, policy versions and retention. The agreement vocabulary is
// @palermo/policy's: the store keeps what the policy decides on.

export type { ActorRef, AgreementCommand };
/** Directions of an agreement. */
export type AgreementDirection = Direction;
/** Purposes an agreement allows. */
export type AgreementPurpose = Purpose;
/** Stored state of an agreement (expired / not-yet-valid are computed by the policy from the dates). */
export type AgreementStateName = AgreementState;

/**
 * A new agreement as validated by @palermo/policy's agreementInputSchema; the defaults of that
 * schema are optional here (validFrom defaults to now).
 */
export type NewAgreement = Omit<AgreementInput, 'pseudonymize' | 'lookups' | 'encrypt' | 'onward' | 'validFrom' | 'validUntil' | 'note'> &
  Partial<Pick<AgreementInput, 'lookups' | 'encrypt' | 'onward' | 'validFrom' | 'validUntil' | 'note'>> & { pseudonymize?: IndicatorType[] };

/** A stored agreement: the terms the policy sees plus who did what. Dates ISO 8601. */
export interface AgreementRecord extends AgreementTerms {
  /** Every bundle on the partner's chain is encrypted to its key (stored agreements always say). */
  encrypt: boolean;
  /** Onward sharing of relayed indicators (stored agreements always say). */
  onward: boolean;
  note: string | null;
  createdBy: ActorRef;
  createdAt: string;
  /** Who made it active last (approve or resume). */
  approvedBy: ActorRef | null;
  approvedAt: string | null;
  /** Who suspended it last. */
  suspendedBy: ActorRef | null;
  suspendedAt: string | null;
  /** The reason given with the last transition. */
  stateReason: string | null;
  updatedAt: string;
  /** Backfill cursor: last own indicator pk sent to this partner's chain since it became active. */
  backfillPk: string | null;
  /** When the backfill finished; null while it runs (or before the agreement was active). */
  backfilledAt: string | null;
}

/** Filters of `agreements.list`. */
export interface AgreementFilter {
  partner?: string;
  state?: AgreementStateName;
}

/** Where the backfill of an agreement stands. */
export interface BackfillState {
  /** Last own indicator pk covered, or null before the first page. */
  pk: string | null;
  done: boolean;
  backfilledAt: string | null;
}

/** One audit log entry to append. `details` must be JSON-serializable; strings are made storable. */
export interface AuditEventInput {
  actor: ActorRef | null;
  action: string;
  subjectType: string;
  subjectId: string;
  details?: unknown;
}

/** One audit log entry. */
export interface AuditEventRecord {
  /** Row id (bigint as decimal string); insertion order, which may differ from commit order. */
  id: string;
  /** Position in the hash chain: 1, 2, 3 … without gaps, in commit order (the log's order). */
  seq: number;
  /** Hash of the entry at seq − 1 (null for seq 1). */
  prevHash: string | null;
  /** Lower hex SHA-256 of the entry's RFC 8785 form with prevHash (see audit.chain.ts). */
  hash: string;
  at: string;
  /** Null for the system (e.g. the retention purge). */
  actor: ActorRef | null;
  action: string;
  subjectType: string;
  subjectId: string;
  details: unknown;
}

/** A signed statement over the audit log up to `seq`. */
export interface AuditCheckpointRecord {
  node: string;
  seq: number;
  hash: string;
  at: string;
  /** Fingerprint of the key that signed. */
  signer: string;
  /** ASCII-armored detached OpenPGP signature over auditCheckpointBytes({spec, node, seq, hash, at}). */
  signature: string;
}

/** Filters of `audit.entries` (exact matches), oldest first by seq. */
export interface AuditEntryFilter {
  action?: string;
  subjectType?: string;
  subjectId?: string;
  /** Token id of the actor. */
  actor?: string;
  cursor?: string;
  /** 1–1000, default 100. */
  limit?: number;
}

/** Filters of `audit.list` (exact matches), newest first. */
export interface AuditFilter {
  subjectType?: string;
  subjectId?: string;
  action?: string;
  cursor?: string;
  /** 1–1000, default 100. */
  limit?: number;
}

/** A stored version of the jurisdiction policy. */
export interface PolicyVersionRecord {
  version: number;
  /** Lower hex SHA-256 as given by the engine. */
  sha256: string;
  text: string;
  author: ActorRef | null;
  comment: string | null;
  createdAt: string;
  /** True for the newest version. */
  active: boolean;
}

/** A policy version without its text. */
export type PolicyVersionSummary = Omit<PolicyVersionRecord, 'text'>;

/** A new policy version (validated by the engine before it gets here). */
export interface NewPolicyVersion {
  text: string;
  sha256: string;
  author: ActorRef | null;
  comment?: string | null;
}

/** What one `retention.purgeExpired` run removed (counts only, never values). */
export interface PurgeResult {
  /** Expired imported indicators deleted (values and pseudonyms). */
  indicators: number;
  /** Deleted indicators per publisher of the bundle that brought them. */
  byPublisher: Record<string, number>;
  /** Inbound bundles whose bytes were dropped. */
  bundlesRedacted: number;
  /** Quarantined messages whose payload was emptied. */
  quarantineCleared: number;
  /** The `now` of the run (ISO 8601). */
  cutoff: string;
}
