// What the store says about indicators: records, searches, provenance, pending exports, history.
import type { IndicatorType, Tlp, WireIndicator } from '@palermo/indicators';
import type { DecisionRecord } from './bundle.types';

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
