import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@palermo/indicators';
import { audiencesFor } from '@palermo/federation';
import { Store, type ActorRef } from '@palermo/store';
import { DeliveryStatus } from '../receipts/delivery.status';
import { ChainStates } from '../resync/chain.states';
import { ExportService } from '../export/export.service';
import { LogService } from '../log/log.service';
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
    private readonly chains: ChainStates,
    private readonly logs: LogService,
    private readonly keyStatements: KeysLifecycle,
    private readonly exporter: ExportService,
    private readonly delivery: DeliveryStatus,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  async list() {
    const partners = await this.store.partners.list();
    return { items: partners.map(({ armoredPublicKey: _key, ...p }) => p) };
  }

  /**
   * What this node sent to a partner and what the partner's signed receipts say, per chain (its own
   * and `all`), with "delivered" read from the partner's durable on this node's stream (null when unknown).
   * `inbound`: the partner's chains addressed to this node and their resync state.
   * `log`: this node as a witness of the partner's feed log (ok, forked with evidence, or unverified).
   * `held`: set when this node's chain to the partner waits because its next bundle cannot be sent.
   * `feedback.sightingsReceived`: the partner's sightings of own indicators (how many, and their counts summed).
   */
  async status(nodeId: string) {
    const partner = await this.store.partners.get(nodeId);
    if (!partner) throw new DomainError('PARTNER_NOT_FOUND', `${nodeId} is not a pinned partner`);
    const held = this.exporter.heldAudiences().find((h) => h.audience === nodeId) ?? null;
    const [receipted, delivered] = await Promise.all([this.store.receipts.partnerStatus(nodeId), this.delivery.forPartner(nodeId)]);
    const chains = receipted.map((chain) => ({ ...chain, ...delivered.get(chain.audience) }));
    // What the partner reported back about own indicators ("seen here too"), over all of them.
    const sightingsReceived = (await this.store.partnerSightings.totalsPerPartner())[nodeId] ?? { sightings: 0, totalCount: 0 };
    return { partner: nodeId, chains, held, inbound: await this.inbound(nodeId), log: await this.logs.partnerLog(nodeId), feedback: { sightingsReceived } };
  }

  /**
   * The partner's chains addressed to this node (its own audience and `all`): the imported head and
   * whether the chain is whole (ok), waiting for missing bundles (gap), being resynced, or given up (broken).
   */
  private async inbound(nodeId: string) {
    return Promise.all(
      audiencesFor(this.config.nodeId).map(async (audience) => {
        const head = await this.store.bundles.chainHead(nodeId, audience);
        const { state, missing, lastResyncAt, lastError } = this.chains.get(nodeId, audience);
        return { audience, headSeq: head?.seq ?? null, headHash: head?.hash ?? null, state, missing, lastResyncAt, lastError };
      }),
    );
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
