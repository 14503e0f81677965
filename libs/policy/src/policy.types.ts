import type { IndicatorType, WireIndicator } from '@palermo/indicators';
import type { AgreementTerms } from './agreement.types';

/** A partner node as the policy sees it. */
export interface PartnerFacts {
  nodeId: string;
  /** ISO 3166-1 alpha-2. */
  jurisdiction: string;
  /** Whether this node treats the partner's jurisdiction as adequate (this node's list, not the partner's claim). */
  adequacy: boolean;
}

/** The indicator facts a policy sees (never the value). */
export type IndicatorFacts = Pick<WireIndicator, 'type' | 'tlp' | 'confidence' | 'tags' | 'firstSeen' | 'origin'>;

/** One own indicator for one audience. */
export interface ExportRequest {
  indicator: IndicatorFacts;
  /** A partner node id, or "all" for the community chain. */
  audience: string;
  /** null for "all". */
  partner: PartnerFacts | null;
  /** The partner's current agreement; null for "all" or when there is none. */
  agreement: AgreementTerms | null;
  /** Whether the bundle will travel encrypted to the recipient (every partner chain; never `all`). Default false. */
  encrypted?: boolean;
  /** Whether the indicator came from another node (its origin is not this node). Default false: the exporter sends own indicators. */
  onward?: boolean;
}

/** One indicator of one verified bundle from a partner. */
export interface ImportRequest {
  indicator: IndicatorFacts;
  /** The verified publisher. */
  publisher: PartnerFacts;
  /** The audience of the bundle: this node's id or "all". */
  audience: string;
  /** This node's current agreement with the publisher, or null. */
  agreement: AgreementTerms | null;
  /** Whether the bundle arrived encrypted to this node (and was decrypted with its key). Default false. */
  encrypted?: boolean;
}

/** A partner's hit/no-hit question about one type of value. */
export interface LookupRequest {
  type: IndicatorType;
  partner: PartnerFacts;
  /** The purpose the partner stated. */
  purpose: string;
  agreement: AgreementTerms | null;
}

/** share = as is; share-stripped = without the free-text description; withhold = not in the partner's bundle. */
export type ExportAction = 'share' | 'share-stripped' | 'withhold';
/** accept = keep the value; accept-pseudonymized = keep only its keyed HMAC; reject = keep nothing. */
export type ImportAction = 'accept' | 'accept-pseudonymized' | 'reject';
/** Whether a lookup is answered. */
export type LookupAction = 'allow' | 'refuse';

/** A decision with the ids of the rules that decided it ("why did we not receive this?"). */
export interface Decision<A extends string> {
  action: A;
  /** Ids of the deciding policies (`@id`), baseline first; never empty. */
  reasons: string[];
}
export type ExportDecision = Decision<ExportAction>;
export type ImportDecision = Decision<ImportAction>;
export type LookupDecision = Decision<LookupAction>;

/** Decides imports one for one, in order; batches let an implementation reuse equivalent decisions. */
export interface ImportPolicy {
  decideImport(requests: readonly ImportRequest[], now?: Date): ImportDecision[];
}

/** Decides exports one for one, in order. */
export interface ExportPolicy {
  decideExport(requests: readonly ExportRequest[], now?: Date): ExportDecision[];
}

/** One problem in a jurisdiction policy text, positioned in that text (1-based line and column, in characters). */
export interface PolicyProblem {
  severity: 'error' | 'warning';
  line: number;
  column: number;
  message: string;
  /** The `@id` of the policy the problem is in, when known. */
  policyId?: string;
}

/** Reason of a decision no policy made: nothing permitted it. */
export const DEFAULT_DENY_REASON = 'policy.default-deny';
/** Reason of a fail-closed decision: a policy errored while evaluating (its id follows). */
export const EVALUATION_ERROR_REASON = 'policy.evaluation-error';
/** Reason of a fail-closed decision on a request whose facts contradict each other or are out of range. */
export const REQUEST_INVALID_REASON = 'policy.request-invalid';
