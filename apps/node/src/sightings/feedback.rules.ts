import { effectiveAgreementState, type AgreementTerms } from '@palermo/policy';

// Who may tell whom about an indicator (issue 5 item 3), as pure rules: the services load the facts
// (indicator, pinned partner, agreement, export decisions) and act on the verdict.

/** Stable codes of feedback that cannot travel or is not accepted. */
export const FEEDBACK_CODES = {
  /** No agreement in effect with the other node that covers this flow. */
  notAgreed: 'FEEDBACK_NOT_AGREED',
  /** The indicator's origin is not a partner of this node (not pinned, or reached us only through a relay). */
  originNotPartner: 'FEEDBACK_ORIGIN_NOT_PARTNER',
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
 * Feedback about an imported indicator goes to its origin when the origin is a pinned partner and
 * our agreement with it is in effect and lets us receive from it (direction `import`: it is the
 * agreement under which we hold what the origin sent). An indicator that reached us through a relay
 * from an origin we have no agreement with stays local (FEEDBACK_ORIGIN_NOT_PARTNER): feedback does
 * not travel back along the relay path.
 */
export function routeToOrigin(indicator: IndicatorFacts, originPinned: boolean, agreement: AgreementTerms | null, now: Date): OriginRoute {
  if (indicator.own) return { kind: 'own' };
  const to = indicator.origin;
  if (!originPinned) return { kind: 'not-sent', to, code: FEEDBACK_CODES.originNotPartner, message: `${to} is not a pinned partner of this node` };
  if (!agreement && indicator.relayedBy !== null) {
    return { kind: 'not-sent', to, code: FEEDBACK_CODES.originNotPartner, message: `the indicator reached this node through ${indicator.relayedBy}; this node has no agreement with its origin ${to}` };
  }
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
 * Whether this node's answer to a partner (a dispute resolution) can travel: the partner is pinned and
 * the agreement with it is in effect (any direction: it is the partner's own question being answered).
 */
export function routeToPartner(partner: string, pinned: boolean, agreement: AgreementTerms | null, now: Date): { kind: 'send'; to: string } | { kind: 'not-sent'; to: string; code: string; message: string } {
  if (!pinned) return { kind: 'not-sent', to: partner, code: FEEDBACK_CODES.originNotPartner, message: `${partner} is not a pinned partner of this node` };
  const state = effectiveAgreementState(agreement, now);
  if (state !== 'active') return { kind: 'not-sent', to: partner, code: FEEDBACK_CODES.notAgreed, message: `no agreement with ${partner} in effect (agreement: ${state})` };
  return { kind: 'send', to: partner };
}
