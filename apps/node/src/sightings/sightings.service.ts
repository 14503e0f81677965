import { Inject, Injectable } from '@nestjs/common';
import { SIGHTING_SPEC } from '@palermo/bundles';
import { DomainError } from '@palermo/indicators';
import type { ActorRef } from '@palermo/policy';
import { Store, type NewSighting, type SightingReport } from '@palermo/store';
import { v7 as uuidv7 } from 'uuid';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { FeedbackSender } from '../feedback/feedback.sender';
import type { SightingBody, SightingListQuery } from './sightings.query';

// Clocks of analysts' machines and of the node differ a little; more than this is a typo.
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Local sightings: "this node saw the indicator too". Own and imported indicators alike; revoked
 * ones are refused. A sighting of an imported indicator is also reported to its origin
 * (`palermo/sighting@1`: count and when, never the note) when the origin sent it to us itself and is a
 * pinned partner under an agreement in effect; otherwise it stays local and says why (feedback.rules.ts).
 */
@Injectable()
export class SightingsService {
  constructor(
    private readonly store: Store,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly sender: FeedbackSender,
  ) {}

  /** Records one sighting (two identical requests are two sightings: each is an observation). */
  async record(indicatorId: string, body: SightingBody, actor: ActorRef) {
    const now = Date.now();
    const lastSeen = body.lastSeen ?? new Date(now).toISOString();
    const firstSeen = body.firstSeen ?? lastSeen;
    if (Date.parse(lastSeen) > now + MAX_CLOCK_SKEW_MS) {
      throw invalid('lastSeen', 'SIGHTING_IN_FUTURE', `${lastSeen} is in the future`);
    }
    if (Date.parse(firstSeen) > Date.parse(lastSeen)) {
      throw invalid('firstSeen', 'LAST_SEEN_BEFORE_FIRST_SEEN', `firstSeen ${firstSeen} is after lastSeen ${lastSeen}`);
    }
    const found = await this.store.indicators.getWithProvenance(indicatorId);
    if (!found) throw new DomainError('INDICATOR_NOT_FOUND', `no indicator ${indicatorId}`);
    const { indicator } = found;
    if (indicator.revokedAt !== null) throw new DomainError('INDICATOR_REVOKED', `indicator ${indicatorId} is revoked; a revoked indicator takes no sightings`);
    const id = uuidv7();
    const sighting: NewSighting = {
      id,
      indicatorId,
      indicatorOrigin: indicator.origin,
      sightedBy: this.config.nodeId,
      count: body.count,
      firstSeen,
      lastSeen,
      note: body.note === undefined || body.note === '' ? null : body.note,
      actor,
    };
    const route = await this.sender.routeToOrigin(indicator);
    if (route.kind === 'own') return this.store.sightings.record(sighting);
    const ref = { origin: indicator.origin, id: indicator.id };
    return this.sender.deliver(
      route,
      (to) => ({ spec: SIGHTING_SPEC, id, to, indicator: ref, count: body.count, firstSeen, lastSeen }),
      (report: SightingReport) => this.store.sightings.record({ ...sighting, report }),
    );
  }

  /** One indicator's sightings, newest first. */
  list(indicatorId: string, query: SightingListQuery) {
    return this.store.sightings.forIndicator(indicatorId, query);
  }
}

function invalid(field: string, code: string, message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', `${field}: ${message}`, { errors: [{ path: [field], code, message }] });
}
