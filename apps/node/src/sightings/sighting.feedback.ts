import { Injectable, type OnModuleInit } from '@nestjs/common';
import { SIGHTING_SPEC, type SightingFeedback } from '@palermo/bundles';
import { Store } from '@palermo/store';
import { FeedbackHandlers, FeedbackRefusal, type ReceivedFeedback } from '../feedback/feedback.handlers';
import { FeedbackPeers } from '../feedback/feedback.peers';
import { FEEDBACK_CODES } from '../feedback/feedback.rules';

/**
 * The origin's side of "seen here too": a partner's signed sighting of one of our indicators is
 * stored once per sighting id and counted per partner. A sighting of a revoked indicator is kept
 * and flagged (a late sighting is still evidence that the value is in use).
 */
@Injectable()
export class SightingFeedbackHandler implements OnModuleInit {
  constructor(
    private readonly store: Store,
    private readonly handlers: FeedbackHandlers,
    private readonly peers: FeedbackPeers,
  ) {}

  onModuleInit(): void {
    this.handlers.register<SightingFeedback>(SIGHTING_SPEC, this.peers.fromSharedPartner((received) => this.receive(received)));
  }

  /** Applies one verified sighting the origin accepts (FeedbackPeers.fromSharedPartner); a refusal for one that can never be accepted. */
  async receive({ from, message, hash }: ReceivedFeedback<SightingFeedback>): Promise<FeedbackRefusal | void> {
    const outcome = await this.store.partnerSightings.receive({
      id: message.id,
      from,
      indicator: message.indicator,
      count: message.count,
      firstSeen: message.firstSeen,
      lastSeen: message.lastSeen,
      reportedAt: message.at,
      messageHash: hash,
    });
    if (outcome.status === 'unknown') return new FeedbackRefusal(FEEDBACK_CODES.unknownIndicator, `${message.indicator.origin}/${message.indicator.id} is not an indicator of this node`);
    if (outcome.status === 'conflict') return new FeedbackRefusal(FEEDBACK_CODES.idConflict, `sighting ${message.id} was already received with other content`);
  }
}
