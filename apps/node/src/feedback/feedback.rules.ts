import { effectiveAgreementState, type AgreementTerms } from '@palermo/policy';

// Who may tell whom about an indicator (issue 5 item 3), as pure rules: the services load the facts
// (indicator, pinned partner, agreement, export decisions) and act on the verdict.

/** Stable codes of feedback that cannot travel or is not accepted. */
export const FEEDBACK_CODES = {
  /** No agreement in effect with the other node that covers this flow. */
  notAgreed: 'FEEDBACK_NOT_AGREED',
  /** The indicator's origin (or the partner answered) is not a pinned partner of this node. */
  originNotPartner: 'FEEDBACK_ORIGIN_NOT_PARTNER',
  /** The stored version reached this node through a relay, not from its origin: the origin would refuse the feedback. */
  notFromOrigin: 'FEEDBACK_NOT_FROM_ORIGIN',
  /** The message names an indicator that is not one of this node's own. */
  unknownIndicator: 'FEEDBACK_UNKNOWN_INDICATOR',
  /** This node never sent the indicator to the sender (nor on the community chain). */
  notSharedWithSender: 'FEEDBACK_NOT_SHARED_WITH_SENDER',
  /** A resolution of a dispute this node never opened with that origin. */
  unknownDispute: 'FEEDBACK_UNKNOWN_DISPUTE',
  /** The message's id is already taken by a different message (another sender or other bytes). */
  idConflict: 'FEEDBACK_ID_CONFLICT',
  /** A second, different resolution of a dispute the origin already resolved. */
  alreadyResolved: 'FEEDBACK_DISPUTE_ALREADY_RESOLVED',
} as const;

/** The facts about an indicator that decide where its feedback goes. */
export interface IndicatorFacts {
  own: boolean;
  origin: string;
  /** The node that relayed the stored version, when it is not the origin (onward sharing). */
  relayedBy: string | null;
}

/** Where a sighting or dispute of an indicator goes: nowhere (own), to its origin, or not, and why. */
export type OriginRoute = { kind: 'own' } | { kind: 'send'; to: string } | { kind: 'not-sent'; to: string; code: string; message: string };

/**
 * Feedback about an imported indicator goes to its origin only when the stored version came from the
 * origin itself (on our chain or its community chain: `relayedBy` is null), because that is what the
 * origin checks before it accepts (it sent the indicator to us; see refusalOfFeedback). A version a
 * relay passed on stays local (FEEDBACK_NOT_FROM_ORIGIN), even when we also have an agreement with the
 * origin: the origin never sent it to us, and feedback does not travel back along a relay path. The
 * origin must also be a pinned partner (FEEDBACK_ORIGIN_NOT_PARTNER) and our agreement with it in
 * effect with direction `import` (FEEDBACK_NOT_AGREED): it is the agreement under which we hold it.
 */
export function routeToOrigin(indicator: IndicatorFacts, originPinned: boolean, agreement: AgreementTerms | null, now: Date): OriginRoute {
  if (indicator.own) return { kind: 'own' };
  const to = indicator.origin;
  if (indicator.relayedBy !== null) {
    return { kind: 'not-sent', to, code: FEEDBACK_CODES.notFromOrigin, message: `the indicator reached this node through ${indicator.relayedBy}, not from its origin ${to}; feedback goes only to an origin that sent the indicator itself` };
  }
  if (!originPinned) return { kind: 'not-sent', to, code: FEEDBACK_CODES.originNotPartner, message: `${to} is not a pinned partner of this node` };
  const state = effectiveAgreementState(agreement, now);
  if (!agreement || state !== 'active' || !agreement.directions.includes('import')) {
    return { kind: 'not-sent', to, code: FEEDBACK_CODES.notAgreed, message: `no agreement with ${to} in effect that covers import (agreement: ${state})` };
  }
  return { kind: 'send', to };
}

/** The facts the origin checks about a partner's feedback on one of its indicators. */
export interface ReceivedFacts {
  /** The indicator the message names, when this node holds it; null otherwise. */
  indicator: { own: boolean } | null;
  /** Whether an upsert of it went out to the sender or on the community chain. */
  sharedWithSender: boolean;
  /** This node's current agreement with the sender. */
  agreement: AgreementTerms | null;
}

/**
 * Whether the origin takes a partner's sighting or dispute: the indicator is one of its own, it was
 * sent to that partner (on its chain or the community chain), and the agreement with the partner is
 * in effect (any direction: the community chain needs none to export, so the partner may hold it
 * under an import-only agreement at our side). Returns the refusal, or null to accept.
 */
export function refusalOfFeedback(sender: string, ref: { origin: string; id: string }, facts: ReceivedFacts, nodeId: string, now: Date): { code: string; message: string } | null {
  if (ref.origin !== nodeId || !facts.indicator || !facts.indicator.own) {
    return { code: FEEDBACK_CODES.unknownIndicator, message: `${ref.origin}/${ref.id} is not an indicator of this node` };
  }
  if (!facts.sharedWithSender) return { code: FEEDBACK_CODES.notSharedWithSender, message: `indicator ${ref.id} was never sent to ${sender}` };
  const state = effectiveAgreementState(facts.agreement, now);
  if (state !== 'active') return { code: FEEDBACK_CODES.notAgreed, message: `no agreement with ${sender} in effect (agreement: ${state})` };
  return null;
}

/**
 * Whether a message of this node can go to a partner at all: the partner is pinned and the agreement
 * with it is in effect (any direction).
 */
export function routeToPartner(partner: string, pinned: boolean, agreement: AgreementTerms | null, now: Date): PartnerRoute {
  if (!pinned) return notPinned(partner);
  const state = effectiveAgreementState(agreement, now);
  if (state !== 'active') return { kind: 'not-sent', to: partner, code: FEEDBACK_CODES.notAgreed, message: `no agreement with ${partner} in effect (agreement: ${state})` };
  return { kind: 'send', to: partner };
}

/**
 * Whether this node's answer to a partner's dispute (the resolution) can travel: whenever the partner
 * is pinned, whatever the state of the agreement. It answers the partner's own question about an
 * indicator the partner already holds, so it is not new sharing; refusing it would leave the partner's
 * dispute open for good. A partner that is no longer pinned cannot be answered (no key to encrypt to,
 * and its stream is no longer ours to write): FEEDBACK_ORIGIN_NOT_PARTNER, shown as `delivery: not-sent`.
 */
export function routeAnswer(partner: string, pinned: boolean): PartnerRoute {
  return pinned ? { kind: 'send', to: partner } : notPinned(partner);
}

/** Where a message to one partner goes: to it, or not, and why. */
export type PartnerRoute = { kind: 'send'; to: string } | { kind: 'not-sent'; to: string; code: string; message: string };

function notPinned(partner: string): PartnerRoute {
  return { kind: 'not-sent', to: partner, code: FEEDBACK_CODES.originNotPartner, message: `${partner} is not a pinned partner of this node` };
}
