import { Inject, Injectable } from '@nestjs/common';
import { COMMUNITY_AUDIENCE } from '@palermo/indicators';
import { FeedDelivery, messageDelivery, type ChainDelivery } from '@palermo/federation';
import { Store } from '@palermo/store';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';

/** "Delivered" of one chain sent to a partner; the counts are null while the partner's consumer state is unknown. */
export interface ChainDeliveryView {
  /** Published bundles of this chain JetStream delivered to the partner's importer (acked or not). */
  delivered: number | null;
  lastSeqDelivered: number | null;
  /** Of those, the bundles the partner acked: its import or quarantine committed there. */
  acked: number | null;
  lastSeqAcked: number | null;
  /** Where the numbers come from: the partner's durable as JetStream reported it, or why it could not be read. */
  delivery: Pick<ChainDelivery, 'durable' | 'state' | 'reason' | 'checkedAt' | 'pending' | 'ackPending'>;
}

/** One recipient of a sent bundle: delivered / acked by its durable, or null with the reason when unknown. */
export interface RecipientDeliveryView {
  recipient: string;
  delivered: boolean | null;
  acked: boolean | null;
  reason: string | null;
  checkedAt: string;
}

/**
 * Issue 4 item 4, "delivered": read from the recipients' durable consumers on this node's own feed
 * stream (libs/federation FeedDelivery, cached a few seconds). Unknown is said as null with a reason —
 * NATS down or a durable not created yet is never reported as "not delivered".
 */
@Injectable()
export class DeliveryStatus {
  constructor(
    private readonly store: Store,
    private readonly feeds: FeedDelivery,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  /** Per chain sent to `partner` (its own audience, then `all`), keyed by audience. */
  async forPartner(partner: string): Promise<Map<string, ChainDeliveryView>> {
    const chains = await this.feeds.deliveryState(this.config.nodeId, partner);
    const views = await Promise.all(chains.map(async (chain) => [chain.audience, await this.chainView(chain)] as const));
    return new Map(views);
  }

  /** Per recipient of one bundle this node sent: its partner, or every pinned partner for `all`. */
  async forBundle(bundle: { audience: string; streamSeq: number | null }): Promise<RecipientDeliveryView[]> {
    const recipients = bundle.audience === COMMUNITY_AUDIENCE ? (await this.store.partners.list()).map((p) => p.nodeId) : [bundle.audience];
    return Promise.all(
      recipients.map(async (recipient) => {
        const chain = await this.feeds.chain(this.config.nodeId, recipient, bundle.audience);
        return { recipient, ...messageDelivery(bundle.streamSeq, chain), reason: chain.reason, checkedAt: chain.checkedAt };
      }),
    );
  }

  private async chainView(chain: ChainDelivery): Promise<ChainDeliveryView> {
    const { durable, state, reason, checkedAt, pending, ackPending } = chain;
    const delivery = { durable, state, reason, checkedAt, pending, ackPending };
    if (chain.deliveredStreamSeq === null || chain.ackFloorStreamSeq === null) {
      return { delivered: null, lastSeqDelivered: null, acked: null, lastSeqAcked: null, delivery };
    }
    return { ...(await this.store.receipts.deliveryCounts(chain.audience, chain.deliveredStreamSeq, chain.ackFloorStreamSeq)), delivery };
  }
}
