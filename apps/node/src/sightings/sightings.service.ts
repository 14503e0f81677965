import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@palermo/indicators';
import type { ActorRef } from '@palermo/policy';
import { Store } from '@palermo/store';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import type { SightingBody, SightingListQuery } from './sightings.query';

// Clocks of analysts' machines and of the node differ a little; more than this is a typo.
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Local sightings: "this node saw the indicator too". Own and imported indicators alike; revoked
 * ones are refused. Sending sightings back to the origin is issue 5.
 */
@Injectable()
export class SightingsService {
  constructor(
    private readonly store: Store,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
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
    return this.store.sightings.record({
      indicatorId,
      sightedBy: this.config.nodeId,
      count: body.count,
      firstSeen,
      lastSeen,
      note: body.note === undefined || body.note === '' ? null : body.note,
      actor,
    });
  }

  /** One indicator's sightings, newest first. */
  list(indicatorId: string, query: SightingListQuery) {
    return this.store.sightings.forIndicator(indicatorId, query);
  }
}

function invalid(field: string, code: string, message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', `${field}: ${message}`, { errors: [{ path: [field], code, message }] });
}
