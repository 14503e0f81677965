import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DISPUTE_RESOLUTION_SPEC, DISPUTE_SPEC, type DisputeFeedback, type DisputeResolutionFeedback } from '@palermo/bundles';
import { Store } from '@palermo/store';
import { FeedbackHandlers, FeedbackRefusal, type ReceivedFeedback } from '../feedback/feedback.handlers';
import { FeedbackPeers } from '../feedback/feedback.peers';
import { FEEDBACK_CODES } from '../feedback/feedback.rules';

/**
 * Disputes arriving over NATS: a partner's dispute of one of our indicators (stored 'in', open), and
 * an origin's resolution of a dispute we opened (sets our 'out' dispute's state). Both idempotent by id.
 */
@Injectable()
export class DisputeFeedbackHandler implements OnModuleInit {
  constructor(
    private readonly store: Store,
    private readonly handlers: FeedbackHandlers,
    private readonly peers: FeedbackPeers,
  ) {}

  onModuleInit(): void {
    this.handlers.register<DisputeFeedback>(DISPUTE_SPEC, this.peers.fromSharedPartner((received) => this.receiveDispute(received)));
    this.handlers.register<DisputeResolutionFeedback>(DISPUTE_RESOLUTION_SPEC, (received) => this.receiveResolution(received));
  }

  /** A partner disputes one of our indicators (ours, sent to it, under an agreement in effect: FeedbackPeers.fromSharedPartner). */
  async receiveDispute({ from, message, hash }: ReceivedFeedback<DisputeFeedback>): Promise<FeedbackRefusal | void> {
    const status = await this.store.disputes.receive({
      id: message.id,
      indicator: message.indicator,
      disputer: from,
      version: message.version,
      kind: message.kind,
      reason: message.reason,
      suggestedTags: message.suggestedTags ?? null,
      disputedAt: message.at,
      messageHash: hash,
    });
    if (status === 'conflict') return new FeedbackRefusal(FEEDBACK_CODES.idConflict, `dispute ${message.id} is already known with other content`);
  }

  /**
   * The origin answers one of our disputes. No agreement check: it answers our own question, and the
   * dispute must be one we sent to that very origin about that very indicator.
   */
  async receiveResolution({ from, message }: ReceivedFeedback<DisputeResolutionFeedback>): Promise<FeedbackRefusal | void> {
    const status = await this.store.disputes.applyResolution({
      resolutionId: message.id,
      disputeId: message.disputeId,
      from,
      indicator: message.indicator,
      state: message.state,
      note: message.note,
      resolvedAt: message.at,
    });
    if (status === 'unknown') return new FeedbackRefusal(FEEDBACK_CODES.unknownDispute, `no dispute ${message.disputeId} of this node with ${from} about ${message.indicator.origin}/${message.indicator.id}`);
    if (status === 'conflict') return new FeedbackRefusal(FEEDBACK_CODES.alreadyResolved, `dispute ${message.disputeId} was already resolved by another resolution`);
  }
}
