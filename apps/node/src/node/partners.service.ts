import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@palermo/indicators';
import { Store, type ActorRef } from '@palermo/store';
import { KeysLifecycle } from '../keys/keys.lifecycle';
import { FeedLifecycle } from './feed.lifecycle';
import { NODE_CONFIG, type NodeConfig } from './node-context';
import { pinPartner, pinPartnerFromCard, type PinPartner } from './partner.pinning';

/** Partners and their pinned keys: only a pinned key is ever trusted for a publisher. */
@Injectable()
export class PartnersService {
  constructor(
    private readonly store: Store,
    private readonly feeds: FeedLifecycle,
    private readonly keyStatements: KeysLifecycle,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  async list() {
    const partners = await this.store.partners.list();
    return { items: partners.map(({ armoredPublicKey: _key, ...p }) => p) };
  }

  /**
   * What this node sent to a partner and what the partner's signed receipts say, per chain (its own
   * and `all`). "Delivered" is not shown: the partner's consumer state is not readable from here.
   */
  async status(nodeId: string) {
    const partner = await this.store.partners.get(nodeId);
    if (!partner) throw new DomainError('PARTNER_NOT_FOUND', `${nodeId} is not a pinned partner`);
    return { partner: nodeId, chains: await this.store.receipts.partnerStatus(nodeId) };
  }

  /** Pins a partner's key and starts following its feed and its key statements. */
  async pin(input: PinPartner, actor: ActorRef) {
    const pinned = await pinPartner(this.store, this.config.nodeId, input, actor);
    await this.feeds.follow(input.nodeId);
    this.keyStatements.follow(input.nodeId);
    return pinned;
  }

  /** Pins a partner from its signed card (fingerprint confirmed out of band) and follows its feed. */
  async pinFromCard(input: { card: unknown; fingerprint: string }, actor: ActorRef) {
    const pinned = await pinPartnerFromCard(this.store, this.config.nodeId, input.card, input.fingerprint, actor);
    await this.feeds.follow(pinned.nodeId);
    this.keyStatements.follow(pinned.nodeId);
    return pinned;
  }
}
