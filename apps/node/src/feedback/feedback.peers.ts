import { Inject, Injectable } from '@nestjs/common';
import { COMMUNITY_AUDIENCE } from '@palermo/indicators';
import { Store, type IndicatorRecord } from '@palermo/store';
import type { FeedbackMessage } from '@palermo/bundles';
import { FeedbackRefusal, type FeedbackHandler } from './feedback.handlers';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { refusalOfFeedback, routeAnswer, routeToOrigin, routeToPartner, type OriginRoute, type PartnerRoute } from './feedback.rules';

/** Loads the facts the feedback rules decide on (pinned partners, agreements, export decisions). */
@Injectable()
export class FeedbackPeers {
  constructor(
    private readonly store: Store,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  /** Where a sighting or dispute of this indicator goes (own: nowhere). */
  async routeFor(indicator: IndicatorRecord): Promise<OriginRoute> {
    if (indicator.own) return { kind: 'own' };
    const [partner, agreement] = await Promise.all([this.store.partners.get(indicator.origin), this.store.agreements.activeFor(indicator.origin)]);
    return routeToOrigin(indicator, partner !== null, agreement, new Date());
  }

  /** Whether a message to `partner` can travel: pinned, under an agreement in effect. */
  async routeToPartner(partner: string): Promise<PartnerRoute> {
    const [pinned, agreement] = await Promise.all([this.store.partners.get(partner), this.store.agreements.activeFor(partner)]);
    return routeToPartner(partner, pinned !== null, agreement, new Date());
  }

  /** Whether an answer to the partner's own dispute (a resolution) can travel: pinned is enough (routeAnswer). */
  async routeAnswer(partner: string): Promise<PartnerRoute> {
    return routeAnswer(partner, (await this.store.partners.get(partner)) !== null);
  }

  /** Why a partner's sighting or dispute of `ref` is not accepted, or null to accept it. */
  async refusalFor(sender: string, ref: { origin: string; id: string }): Promise<FeedbackRefusal | null> {
    const ours = ref.origin === this.config.nodeId;
    const found = ours ? await this.store.indicators.getWithProvenance(ref.id, ref.origin) : null;
    const own = found?.indicator.own === true;
    const [sharedWithSender, agreement] = await Promise.all([
      own ? this.store.exportDecisions.wasSharedWith(ref.id, [sender, COMMUNITY_AUDIENCE]) : Promise.resolve(false),
      this.store.agreements.activeFor(sender),
    ]);
    const refusal = refusalOfFeedback(sender, ref, { indicator: found ? { own } : null, sharedWithSender, agreement }, this.config.nodeId, new Date());
    return refusal ? new FeedbackRefusal(refusal.code, refusal.message) : null;
  }

  /**
   * `handler` behind the origin's acceptance check: a partner's message about one of our indicators
   * (a sighting, a dispute) reaches it only when refusalFor accepts it; otherwise the refusal is returned.
   */
  fromSharedPartner<M extends Extract<FeedbackMessage, { indicator: { origin: string; id: string } }>>(handler: FeedbackHandler<M>): FeedbackHandler<M> {
    return async (received) => (await this.refusalFor(received.from, received.message.indicator)) ?? handler(received);
  }
}
