import { DomainError, isNodeId } from '@palermo/indicators';
import { isUuid, query, toIso } from '../sql.helper';
import { appendAudit } from './audit.repository';
import { Repository } from './repository.base';

/** A partner's "seen here too" about one of this node's own indicators, as its signed message said. */
export interface IncomingSighting {
  /** The partner's sighting id (the message id): a redelivery carries the same one. */
  id: string;
  /** The partner that saw it (the verified sender). */
  from: string;
  /** The own indicator: this node's id and the id it minted. */
  indicator: { origin: string; id: string };
  count: number;
  firstSeen: string;
  lastSeen: string;
  /** When the partner reported it (the message's `at`). */
  reportedAt: string;
  /** SHA-256 of the message's canonical bytes. */
  messageHash: string;
}

/**
 * stored: new; duplicate: the same message again (nothing changed); conflict: the id was already used
 * by another message (a different sender or different bytes: never overwritten); unknown: no such own
 * indicator.
 */
export type IncomingSightingOutcome = { status: 'stored' | 'duplicate'; afterRevocation: boolean } | { status: 'conflict' | 'unknown' };

/** What one partner saw of an own indicator, summed over its sightings. */
export interface PartnerSightingCounts {
  partner: string;
  /** How many sightings (messages) it reported. */
  sightings: number;
  /** The sum of their counts. */
  totalCount: number;
  firstSeen: string;
  lastSeen: string;
  /** When the newest one arrived. */
  lastReceivedAt: string;
  /** How many arrived after the indicator was revoked (still evidence, flagged). */
  afterRevocation: number;
}

const FIND_OWN_SQL = `select pk::text as pk, revoked_at from indicator where origin_node = ? and origin_id = ? and own for share`;

const INSERT_SQL = `
  insert into partner_sighting (id, indicator_pk, sighted_by, count, first_seen, last_seen, reported_at, after_revocation, message_hash)
  values (?::uuid, ?::bigint, ?, ?, ?::timestamptz, ?::timestamptz, ?::timestamptz, ?, ?)
  on conflict (id) do nothing
  returning id`;

const EXISTING_SQL = `select ps.sighted_by, ps.message_hash, ps.after_revocation from partner_sighting ps where ps.id = ?::uuid`;

const COUNTS_SQL = `
  select ps.sighted_by as partner, count(*)::int as sightings, sum(ps.count)::bigint as total_count,
    min(ps.first_seen) as first_seen, max(ps.last_seen) as last_seen, max(ps.received_at) as last_received_at,
    count(*) filter (where ps.after_revocation)::int as after_revocation
  from partner_sighting ps join indicator i on i.pk = ps.indicator_pk
  where i.origin_node = ? and i.origin_id = ? and i.own
  group by ps.sighted_by order by ps.sighted_by`;

const TOTALS_SQL = `
  select ps.sighted_by as partner, count(*)::int as sightings, sum(ps.count)::bigint as total_count
  from partner_sighting ps group by ps.sighted_by order by ps.sighted_by`;

/** Partners' sightings of this node's own indicators (the origin's side of "seen here too"). */
export class PartnerSightingRepository extends Repository {
  /**
   * Stores one partner sighting, idempotent by its id; audited as `feedback.sighting-received` in the
   * same transaction. A sighting of a revoked indicator is kept (late sightings are still evidence)
   * and flagged afterRevocation.
   */
  async receive(s: IncomingSighting): Promise<IncomingSightingOutcome> {
    checkIncoming(s);
    return this.transaction(async (em) => {
      const [indicator] = await query<{ pk: string; revoked_at: Date | string | null }>(em, FIND_OWN_SQL, [s.indicator.origin, s.indicator.id]);
      if (!indicator) return { status: 'unknown' as const };
      const afterRevocation = indicator.revoked_at !== null;
      const inserted = await query(em, INSERT_SQL, [s.id, indicator.pk, s.from, s.count, s.firstSeen, s.lastSeen, s.reportedAt, afterRevocation, s.messageHash]);
      if (inserted.length === 0) {
        const [existing] = await query<{ sighted_by: string; message_hash: string; after_revocation: boolean }>(em, EXISTING_SQL, [s.id]);
        const same = existing && existing.sighted_by === s.from && existing.message_hash === s.messageHash;
        return same ? { status: 'duplicate' as const, afterRevocation: existing.after_revocation } : { status: 'conflict' as const };
      }
      await appendAudit(em, [
        {
          actor: null,
          action: 'feedback.sighting-received',
          subjectType: 'indicator',
          subjectId: s.indicator.id,
          details: { from: s.from, sightingId: s.id, count: s.count, firstSeen: s.firstSeen, lastSeen: s.lastSeen, afterRevocation, messageHash: s.messageHash },
        },
      ]);
      return { status: 'stored' as const, afterRevocation };
    });
  }

  /** Per partner, what it reported of one own indicator (none: an empty list). */
  async countsFor(origin: string, id: string): Promise<PartnerSightingCounts[]> {
    if (!isNodeId(origin) || id.includes('\u0000')) return [];
    const rows = await query<Record<string, unknown>>(this.fork(), COUNTS_SQL, [origin, id]);
    return rows.map((r) => ({
      partner: String(r.partner),
      sightings: Number(r.sightings),
      totalCount: Number(r.total_count),
      firstSeen: toIso(r.first_seen as Date | string),
      lastSeen: toIso(r.last_seen as Date | string),
      lastReceivedAt: toIso(r.last_received_at as Date | string),
      afterRevocation: Number(r.after_revocation),
    }));
  }

  /** Per partner, how many sightings of own indicators it reported, over all indicators (partner status). */
  async totalsPerPartner(): Promise<Record<string, { sightings: number; totalCount: number }>> {
    const rows = await query<{ partner: string; sightings: number; total_count: number | string }>(this.fork(), TOTALS_SQL);
    return Object.fromEntries(rows.map((r) => [r.partner, { sightings: Number(r.sightings), totalCount: Number(r.total_count) }]));
  }
}

// The handler passes a parsed, verified message; these guards keep a direct caller from reaching a
// database constraint (which would surface as a 500).
function checkIncoming(s: IncomingSighting): void {
  const instants = [s.firstSeen, s.lastSeen, s.reportedAt].map((t) => (typeof t === 'string' ? Date.parse(t) : NaN));
  if (
    !isUuid(s.id) ||
    !isNodeId(s.from) ||
    !isNodeId(s.indicator.origin) ||
    typeof s.indicator.id !== 'string' ||
    !Number.isInteger(s.count) ||
    s.count < 1 ||
    s.count > 1_000_000 ||
    instants.some(Number.isNaN) ||
    instants[1]! < instants[0]! ||
    !/^[0-9a-f]{64}$/.test(s.messageHash)
  ) {
    throw new DomainError('SIGHTING_INVALID', 'not a well-formed partner sighting');
  }
}
