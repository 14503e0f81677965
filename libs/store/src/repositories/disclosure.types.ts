import type { ActorRef } from '../governance.types';
import type { OutgoingFeedback } from './feedback-outbox.repository';

/** An indicator named by its origin and the id its origin minted. */
export interface DisclosureIndicatorRef {
  origin: string;
  id: string;
}

/** A lookup hit this node was told ('asked') or gave ('answered'). Never the value, PRF output or element. */
export interface LookupHitRecord {
  side: 'asked' | 'answered';
  /** 'asked': the responder; 'answered': the requester. */
  partner: string;
  requestId: string;
  /** The reference the responder returned with the hit (`<origin>:<id>`). */
  reference: string;
  type: string;
  purpose: string;
  /** 'answered': the matched indicator (pk null once purged); 'asked': null. */
  indicator: { pk: string | null; origin: string; id: string } | null;
  /** 'asked': the analyst who asked; 'answered': null. */
  askedBy: ActorRef | null;
  createdAt: string;
}

/** A hit this node was told by a partner, to record. */
export interface AskedHit {
  partner: string;
  requestId: string;
  reference: string;
  type: string;
  purpose: string;
  askedBy: ActorRef | null;
}

/** A hit this node gave a requester, to record. */
export interface AnsweredHit {
  requester: string;
  requestId: string;
  reference: string;
  type: string;
  purpose: string;
  indicatorPk: string;
  indicatorOrigin: string;
  indicatorId: string;
}

export type DisclosureDirection = 'in' | 'out';
/** withdrawn: 'out' only — this node's analyst gave up on a request that waited. */
export type DisclosureState = 'requested' | 'approved' | 'denied' | 'withdrawn';

/** What a disclosure request says, on both sides. */
export interface DisclosureRequestFields {
  /** uuid v7 minted by the requester. */
  id: string;
  partner: string;
  lookupRequestId: string;
  reference: string;
  purpose: string;
  legalBasis: string;
  caseReference: string;
}

/** A disclosure request: 'out' = this node asked `partner`; 'in' = `partner` asked this node. */
export interface DisclosureRecord extends DisclosureRequestFields {
  direction: DisclosureDirection;
  state: DisclosureState;
  /** 'in': the matched own indicator's pk (null once purged); 'out': null. Internal: not in the API. */
  indicatorPk: string | null;
  /** 'in' and decided: whether the decision message was queued to the partner, or not sent (with the code why); null otherwise. */
  delivery: { state: 'queued' | 'not-sent'; reason: string | null } | null;
  /** 'out': the analyst who asked; 'in': null. */
  requestedBy: ActorRef | null;
  /** 'in': the policy officer who decided; 'out': null (the partner's officer decided). */
  decidedBy: ActorRef | null;
  decidedAt: string | null;
  /** The decision's reason (the partner's, for 'out'). */
  reason: string | null;
  /** On approval: the bundle on the responder → requester chain and the indicator it carries. */
  released: { bundleHash: string; indicator: DisclosureIndicatorRef } | null;
  /**
   * 'out' and approved: what this node's import made of the released indicator — pending (bundle
   * not imported yet), not-in-bundle (imported, but it did not carry that indicator), or the import
   * decision; null otherwise.
   */
  imported: { state: 'pending' | 'not-in-bundle' | 'accept' | 'accept-pseudonymized' | 'reject'; version: number | null; reasons: string[] } | null;
  createdAt: string;
  updatedAt: string;
}

/** A disclosure request to record (either direction). */
export interface NewDisclosure extends DisclosureRequestFields {
  /** 'in': the matched indicator's pk. */
  indicatorPk?: string | null;
  /** 'out': who asked. */
  requestedBy?: ActorRef | null;
}

/** Approved releases of own indicators: per indicator id, per partner, the rule id of the approval (`disclosure:<id>`). */
export type StandingReleases = Map<string, Map<string, string>>;

/** How a policy officer's decision travels: queued to the partner, or not sent (the partner is not pinned any more). */
export type DecisionSend = { outgoing: OutgoingFeedback } | { notSent: { reason: string } };

/** The filter of GET /disclosures. */
export interface DisclosureFilter {
  direction?: DisclosureDirection;
  state?: DisclosureState;
  cursor?: string;
  limit: number;
}

/** The own indicator an approval releases, as it was planned: the approval commits only while it is still so. */
export interface PlannedIndicator {
  pk: string;
  version: number;
  tlp: string;
}

/** A decision received from the partner a disclosure was asked of. */
export interface ReceivedDecision {
  disclosureId: string;
  partner: string;
  decision: 'approved' | 'denied';
  reason: string;
  released?: { bundleHash: string; indicator: DisclosureIndicatorRef };
}
