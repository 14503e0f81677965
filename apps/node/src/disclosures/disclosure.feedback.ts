import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DISCLOSURE_DECISION_SPEC, DISCLOSURE_REQUEST_SPEC, MAX_FEEDBACK_TEXT, type DisclosureDecisionFeedback, type DisclosureRequestFeedback } from '@palermo/bundles';
import { effectiveAgreementState } from '@palermo/policy';
import { Store } from '@palermo/store';
import { FeedbackHandlers, FeedbackRefusal, type ReceivedFeedback } from '../feedback/feedback.handlers';
import { FeedbackSender } from '../feedback/feedback.sender';

/**
 * Partners' disclosure messages. As responder: a request is kept (state requested, the policy
 * officers' queue) only when it names a lookup this node answered as a hit FOR THAT requester with
 * that reference, under an active agreement that names the purpose; a genuine request refused for
 * another reason (agreement, purpose, already requested) is answered with a denial naming the code,
 * so the requester's record closes. As requester: the partner's decision updates this node's
 * request. Both are idempotent by id; what can never be accepted is refused with a code (the inbox
 * quarantines and audits it).
 */
@Injectable()
export class DisclosureFeedback implements OnModuleInit {
  constructor(
    private readonly store: Store,
    private readonly handlers: FeedbackHandlers,
    private readonly sender: FeedbackSender,
  ) {}

  onModuleInit(): void {
    this.handlers.register<DisclosureRequestFeedback>(DISCLOSURE_REQUEST_SPEC, (received) => this.request(received));
    this.handlers.register<DisclosureDecisionFeedback>(DISCLOSURE_DECISION_SPEC, (received) => this.decision(received));
  }

  private async request({ from, message: m }: ReceivedFeedback<DisclosureRequestFeedback>): Promise<FeedbackRefusal | void> {
    const hit = await this.store.disclosures.hit('answered', m.lookupRequestId, from);
    if (!hit || hit.reference !== m.reference) {
      return new FeedbackRefusal('DISCLOSURE_HIT_UNKNOWN', `this node answered no lookup ${m.lookupRequestId} of ${from} as a hit on ${m.reference}`);
    }
    // From here on the request is genuine (a hit this node gave that requester, the sender's pinned
    // key): a refusal is answered with a denial, so the requester's record closes instead of waiting.
    const agreement = await this.store.agreements.activeFor(from);
    if (!agreement || effectiveAgreementState(agreement, new Date()) !== 'active') return this.answered(from, m, 'DISCLOSURE_AGREEMENT_NOT_ACTIVE', `no active agreement with ${from}`);
    if (!(agreement.purposes as string[]).includes(m.purpose)) {
      return this.answered(from, m, 'DISCLOSURE_PURPOSE_NOT_AGREED', `the agreement with ${from} does not name the purpose ${m.purpose} (it names ${agreement.purposes.join(', ')})`);
    }
    const outcome = await this.store.disclosures.receive({
      id: m.id,
      partner: from,
      lookupRequestId: m.lookupRequestId,
      reference: m.reference,
      purpose: m.purpose,
      legalBasis: m.legalBasis,
      caseReference: m.caseReference,
      indicatorPk: hit.indicator?.pk ?? null,
    });
    if (outcome === 'conflict') return new FeedbackRefusal('DISCLOSURE_ID_TAKEN', `disclosure id ${m.id} is taken by another request`);
    if (outcome === 'open') return this.answered(from, m, 'DISCLOSURE_ALREADY_REQUESTED', `a disclosure of lookup ${m.lookupRequestId} is already open or approved`);
  }

  /** Refuses a genuine request and tells the requester: a signed denial with the code as its reason (audited, queued with it). */
  private async answered(from: string, m: DisclosureRequestFeedback, code: string, message: string): Promise<FeedbackRefusal> {
    const reason = `${code}: ${message}`.slice(0, MAX_FEEDBACK_TEXT);
    await this.sender.send(from, (to) => ({ spec: DISCLOSURE_DECISION_SPEC, to, disclosureId: m.id, decision: 'denied', reason }), (row) =>
      this.store.disclosures.answerRefusal({ disclosureId: m.id, partner: from, code, message, outgoing: row }),
    );
    return new FeedbackRefusal(code, message);
  }

  private async decision({ from, message: m }: ReceivedFeedback<DisclosureDecisionFeedback>): Promise<FeedbackRefusal | void> {
    const mine = await this.store.disclosures.get(m.disclosureId);
    if (!mine || mine.direction !== 'out' || mine.partner !== from) return new FeedbackRefusal('DISCLOSURE_UNKNOWN', `this node asked ${from} for no disclosure ${m.disclosureId}`);
    // The release must be the indicator the hit referenced: a partner cannot answer with another one.
    if (m.released && `${m.released.indicator.origin}:${m.released.indicator.id}` !== mine.reference) {
      return new FeedbackRefusal('DISCLOSURE_RELEASE_MISMATCH', `the decision releases ${m.released.indicator.origin}:${m.released.indicator.id}, the hit was ${mine.reference}`);
    }
    const outcome = await this.store.disclosures.decisionReceived({ disclosureId: m.disclosureId, partner: from, decision: m.decision, reason: m.reason, released: m.released });
    if (outcome === 'unknown') return new FeedbackRefusal('DISCLOSURE_UNKNOWN', `this node asked ${from} for no disclosure ${m.disclosureId}`);
    if (outcome === 'conflict') return new FeedbackRefusal('DISCLOSURE_DECISION_CONFLICT', `disclosure ${m.disclosureId} was already decided otherwise`);
  }
}
