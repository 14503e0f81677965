import { Injectable } from '@nestjs/common';
import { DomainError } from '@palermo/indicators';
import { Store } from '@palermo/store';

/** How many disputes of an indicator the view lists (the rest: GET /disputes?indicator=…). */
const DISPUTES_SHOWN = 100;

/**
 * What came back about one indicator: per partner, its sightings (own indicators); this node's own
 * sightings; the disputes in either direction with their states; and, for an own indicator that is
 * not revoked, how the origin acts on it (update or revoke, through the usual endpoints).
 */
@Injectable()
export class IndicatorFeedbackService {
  constructor(private readonly store: Store) {}

  async view(indicatorId: string) {
    const found = await this.store.indicators.getWithProvenance(indicatorId);
    if (!found) throw new DomainError('INDICATOR_NOT_FOUND', `no indicator ${indicatorId}`);
    const { id, origin, own, version, revokedAt } = found.indicator;
    const [partners, local, states, disputes] = await Promise.all([
      own ? this.store.partnerSightings.countsFor(origin, id) : Promise.resolve([]),
      this.store.sightings.totalsFor(id, origin),
      this.store.disputes.statesFor(origin, id),
      this.store.disputes.list({ indicator: id, origin, limit: DISPUTES_SHOWN }),
    ]);
    return {
      indicator: { id, origin, own, version, revokedAt },
      partnerSightings: partners,
      localSightings: local,
      disputes: { ...states, items: disputes.items, nextCursor: disputes.nextCursor },
      actions: own && revokedAt === null ? ACTIONS : [],
    };
  }
}

const ACTIONS = [
  { action: 'update', how: 'POST /indicators with the corrected fields (same type and value): a new version reaches every partner that holds it' },
  { action: 'revoke', how: 'POST /indicators/:id/revoke with a reason: partners learn it through the next bundle' },
];
