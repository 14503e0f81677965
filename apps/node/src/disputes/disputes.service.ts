import { Inject, Injectable } from '@nestjs/common';
import { DISPUTE_RESOLUTION_SPEC, DISPUTE_SPEC } from '@palermo/bundles';
import { DomainError } from '@palermo/indicators';
import type { ActorRef } from '@palermo/policy';
import { Store } from '@palermo/store';
import { v7 as uuidv7 } from 'uuid';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { FeedbackSender } from '../feedback/feedback.sender';
import type { DisputeBody, DisputeListQuery, ResolveBody } from './disputes.query';

/** Said with every resolution: the origin corrects an indicator through the usual endpoints. */
export const RESOLUTION_FOLLOW_UP =
  'Resolving a dispute changes nothing by itself: to correct the indicator, publish it again with the corrected fields (POST /indicators, a new version reaches partners) or revoke it (POST /indicators/:id/revoke).';

/**
 * Disputes: this node disputes a partner's indicator ('out', sent to its origin as
 * `palermo/dispute@1`), and resolves partners' disputes of its own ('in', answered with
 * `palermo/dispute-resolution@1`). A dispute that cannot travel is refused, not stored.
 */
@Injectable()
export class DisputesService {
  constructor(
    private readonly store: Store,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly sender: FeedbackSender,
  ) {}

  /** Opens a dispute of an imported indicator and queues it for the origin. */
  async open(indicatorId: string, body: DisputeBody, actor: ActorRef) {
    const found = await this.store.indicators.getWithProvenance(indicatorId);
    if (!found) throw new DomainError('INDICATOR_NOT_FOUND', `no indicator ${indicatorId}`);
    const { indicator } = found;
    if (indicator.own) throw new DomainError('DISPUTE_OWN_INDICATOR', `indicator ${indicatorId} is this node's own: update or revoke it instead`);
    if (indicator.revokedAt !== null) throw new DomainError('INDICATOR_REVOKED', `indicator ${indicatorId} was revoked by its origin; there is nothing left to dispute`);
    const route = await this.sender.routeToOrigin(indicator);
    if (route.kind !== 'send') {
      const code = route.kind === 'not-sent' ? route.code : 'DISPUTE_OWN_INDICATOR';
      const why = route.kind === 'not-sent' ? route.message : 'own indicator';
      throw new DomainError(code, `${why}; a dispute that cannot reach the origin is not stored`);
    }
    const id = uuidv7();
    const ref = { origin: indicator.origin, id: indicator.id };
    const tags = body.kind === 'wrong-tags' && body.suggestedTags !== undefined ? { suggestedTags: body.suggestedTags } : {};
    return this.sender.send(
      route.to,
      (to) => ({ spec: DISPUTE_SPEC, id, to, indicator: ref, version: indicator.version, kind: body.kind, reason: body.reason, ...tags }),
      (outgoing, message) =>
        this.store.disputes.openOutgoing({
          id,
          indicator: ref,
          disputer: this.config.nodeId,
          version: indicator.version,
          kind: body.kind,
          reason: body.reason,
          suggestedTags: body.suggestedTags ?? null,
          disputedAt: message.at,
          outgoing,
          actor,
        }),
    );
  }

  /** Resolves a partner's open dispute of an own indicator and answers the disputer. */
  async resolve(id: string, body: ResolveBody, actor: ActorRef) {
    const dispute = await this.store.disputes.get(id);
    if (dispute.direction !== 'in') {
      throw new DomainError('DISPUTE_NOT_INCOMING', `dispute ${id} was opened by this node; only the indicator's origin (${dispute.indicator.origin}) resolves it`);
    }
    if (dispute.state !== 'open') throw new DomainError('DISPUTE_ALREADY_RESOLVED', `dispute ${id} was already ${dispute.state}`, { state: dispute.state });
    const resolutionId = uuidv7();
    const resolvedAt = new Date().toISOString();
    const route = await this.sender.routeAnswer(dispute.disputer);
    const resolved = await this.sender.deliver(
      route,
      (to) => ({ spec: DISPUTE_RESOLUTION_SPEC, id: resolutionId, at: resolvedAt, to, disputeId: id, indicator: dispute.indicator, state: body.state, note: body.note }),
      (send) => this.store.disputes.resolve(id, { state: body.state, note: body.note, resolutionId, resolvedAt, send, actor }),
    );
    return { ...resolved, followUp: RESOLUTION_FOLLOW_UP };
  }

  /** Disputes newest first. */
  list(query: DisputeListQuery) {
    return this.store.disputes.list(query);
  }

  /** One dispute, either direction. */
  get(id: string) {
    return this.store.disputes.get(id);
  }
}
