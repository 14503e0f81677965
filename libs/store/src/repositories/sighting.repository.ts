import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, isNodeId, type Tlp } from '@palermo/indicators';
import { v7 as uuidv7 } from 'uuid';
import type { ActorRef } from '../governance.types';
import { checkLimit, isUuid, query } from '../sql.helper';
import { storableText } from '../storable.helper';
import type { Page } from '../store.types';
import { appendAudit, checkActor } from './audit.repository';
import { insertOutgoingFeedback } from './feedback-outbox.repository';
import { decodeSightingCursor, SIGHTING_COLUMNS, sightingPage, toSightingRecord, type SightingRecord, type SightingRow } from './sighting.page';
import { feedbackColumns, type SightingReport } from './sighting.report';
import { Repository } from './repository.base';

export type { SightingRecord } from './sighting.page';

/** A sighting to record: this node saw the indicator (again), `count` times between two instants. */
export interface NewSighting {
  /** The indicator's id (the uuid its origin minted, as in /indicators/:id). */
  indicatorId: string;
  /** The indicator's origin, when two origins used the same id; without it an own indicator wins. */
  indicatorOrigin?: string;
  /** Node id of the node that saw it (this node). */
  sightedBy: string;
  /** How many times it was seen, 1–1,000,000. */
  count: number;
  /** First time seen in this sighting, ISO 8601. */
  firstSeen: string;
  /** Last time seen in this sighting, ISO 8601, not before firstSeen. */
  lastSeen: string;
  /** Free-text note (≤ 4096), or null. */
  note?: string | null;
  /** Who recorded it (API token id and name), or null for the system. */
  actor: ActorRef | null;
  /** Tests only: earliest recording time to use (default now); the stored createdAt may be later. */
  at?: Date;
  /** The sighting's id (uuid v7); minted here when absent. A reported sighting's id is its message's id. */
  id?: string;
  /**
   * Whether it goes to the indicator's origin: the signed message (its messageId = the sighting id,
   * its recipient = the origin), queued in the same transaction; or why it is not sent. Absent for own
   * indicators (this node is the origin).
   */
  report?: SightingReport;
}

/** Paging of sightings in recording order (oldest first), for exports. */
export interface SightingPageQuery {
  /** Only sightings recorded strictly after this instant (ISO 8601). */
  since?: string;
  /** The nextCursor of the previous page. */
  cursor?: string;
  /** Page size, 1–10,000. */
  limit: number;
}

/** Most times one sighting may count (a typo guard; MISP-style bulk counts stay far below). */
export const MAX_SIGHTING_COUNT = 1_000_000;

// Own first, like getWithProvenance. FOR SHARE holds off a concurrent revocation until the
// sighting commits, so a sighting is never recorded against an indicator revoked meanwhile.
const FIND_INDICATOR_SQL = `
  select i.pk::text as pk, i.origin_node, i.origin_id, i.own, i.tlp, i.revoked_at from indicator i
  where i.origin_id = ? and (?::text is null or i.origin_node = ?::text)
  order by i.own desc, i.pk asc limit 1`;

// Recording is serialized and createdAt strictly increases (1 ms past the newest row at least),
// so (createdAt, id) order is commit order: a reader paging with pageSince while sightings arrive
// sees each exactly once, never one that commits later under a key it has already passed.
const RECORD_LOCK = 'select pg_advisory_xact_lock(7362101)';

const INSERT_SQL = `
  insert into sighting (id, indicator_pk, indicator_origin, indicator_origin_id, sighted_by, count, first_seen,
    last_seen, note, created_by_token, created_by_name, feedback_to, feedback_state, feedback_reason, created_at)
  select ?::uuid, ?::bigint, ?, ?, ?, ?, ?::timestamptz, ?::timestamptz, ?, ?::uuid, ?, ?, ?, ?,
    greatest(date_trunc('milliseconds', greatest(clock_timestamp(), ?::timestamptz)),
             (select max(created_at) from sighting) + interval '1 millisecond')
  returning id, created_at`;

// A sighting of an indicator held only as a pseudonym would point at an object the export leaves
// out, and would tell the reader that this node holds it: left out and counted (WITHHELD_SINCE_SQL).
const PAGE_SINCE_SQL = `
  select ${SIGHTING_COLUMNS} from sighting s join indicator i on i.pk = s.indicator_pk
  where (s.created_at, s.id) > (?::timestamptz, ?::uuid) and s.created_at > ?::timestamptz and i.value is not null
  order by s.created_at asc, s.id asc limit ?`;

const WITHHELD_SINCE_SQL = `
  select count(*)::int as n from sighting s join indicator i on i.pk = s.indicator_pk
  where s.created_at > ?::timestamptz and i.value is null`;

const FOR_INDICATOR_SQL = `
  select ${SIGHTING_COLUMNS} from sighting s join indicator i on i.pk = s.indicator_pk
  where s.indicator_pk = ?::bigint and (s.created_at, s.id) < (?::timestamptz, ?::uuid)
  order by s.created_at desc, s.id desc limit ?`;

interface IndicatorRef {
  pk: string;
  origin_node: string;
  origin_id: string;
  own: boolean;
  tlp: Tlp;
  revoked_at: Date | string | null;
}

/**
 * Local sightings of own and imported indicators. Each POST is its own sighting (two identical
 * POSTs are two sightings: a sighting is an observation, not a fact to dedupe). Sending them back
 * to the origin is issue 5.
 */
export class SightingRepository extends Repository {
  /**
   * Records one sighting; INDICATOR_NOT_FOUND, INDICATOR_REVOKED or SIGHTING_INVALID otherwise.
   * createdAt is the database clock at commit time, at millisecond precision, strictly after every
   * earlier sighting.
   */
  async record(sighting: NewSighting): Promise<SightingRecord> {
    checkSighting(sighting);
    const at = sighting.at === undefined ? '-infinity' : sighting.at.toISOString();
    return this.transaction(async (em) => {
      const indicator = await findIndicator(em, sighting.indicatorId, sighting.indicatorOrigin, true);
      if (indicator.revoked_at !== null) {
        throw new DomainError('INDICATOR_REVOKED', `indicator ${sighting.indicatorId} is revoked; a revoked indicator takes no sightings`);
      }
      await query(em, RECORD_LOCK);
      const id = sighting.id ?? uuidv7();
      const note = sighting.note == null ? null : storableText(sighting.note);
      const createdByName = sighting.actor ? storableText(sighting.actor.name, 200) : null;
      const feedback = feedbackColumns(sighting.report, indicator, id);
      const [row] = await query<{ id: string; created_at: Date | string }>(em, INSERT_SQL, [
        id,
        indicator.pk,
        indicator.origin_node,
        indicator.origin_id,
        sighting.sightedBy,
        sighting.count,
        sighting.firstSeen,
        sighting.lastSeen,
        note,
        sighting.actor?.tokenId ?? null,
        createdByName,
        feedback.to,
        feedback.state,
        feedback.reason,
        at,
      ]);
      if (sighting.report && 'outgoing' in sighting.report) {
        await insertOutgoingFeedback(em, sighting.report.outgoing);
        await appendAudit(em, [
          {
            actor: sighting.actor,
            action: 'feedback.sighting-sent',
            subjectType: 'sighting',
            subjectId: id,
            details: { to: feedback.to, indicator: { origin: indicator.origin_node, id: indicator.origin_id }, count: sighting.count, messageHash: sighting.report.outgoing.messageHash },
          },
        ]);
      }
      return toSightingRecord({
        id,
        indicator_origin: indicator.origin_node,
        indicator_origin_id: indicator.origin_id,
        sighted_by: sighting.sightedBy,
        count: sighting.count,
        first_seen: sighting.firstSeen,
        last_seen: sighting.lastSeen,
        note,
        created_by_token: sighting.actor?.tokenId ?? null,
        created_by_name: createdByName,
        created_at: row!.created_at,
        indicator_tlp: indicator.tlp,
        feedback_to: feedback.to,
        feedback_state: feedback.state,
        feedback_reason: feedback.reason,
        feedback_published_at: null,
      });
    });
  }

  /** The sightings of one indicator, newest first, keyset-paginated (INDICATOR_NOT_FOUND if unknown). */
  async forIndicator(indicatorId: string, options: { origin?: string; cursor?: string; limit?: number } = {}): Promise<Page<SightingRecord>> {
    const limit = checkLimit(options.limit ?? 100);
    const before = options.cursor === undefined ? { t: 'infinity', i: 'ffffffff-ffff-ffff-ffff-ffffffffffff' } : decodeSightingCursor(options.cursor);
    const em = this.fork();
    const indicator = await findIndicator(em, indicatorId, options.origin, false);
    const rows = await query<SightingRow>(em, FOR_INDICATOR_SQL, [indicator.pk, before.t, before.i, limit + 1]);
    return sightingPage(rows, limit);
  }

  /** How many sightings of one indicator this node recorded, and the sum of their counts (INDICATOR_NOT_FOUND if unknown). */
  async totalsFor(indicatorId: string, origin?: string): Promise<{ sightings: number; totalCount: number }> {
    const em = this.fork();
    const indicator = await findIndicator(em, indicatorId, origin, false);
    const [row] = await query<{ n: number | string; total: number | string | null }>(em, `select count(*) as n, sum(count) as total from sighting where indicator_pk = ?::bigint`, [indicator.pk]);
    return { sightings: Number(row?.n ?? 0), totalCount: Number(row?.total ?? 0) };
  }

  /**
   * Every sighting of an indicator held with a value, in recording order (oldest first), recorded strictly after `since`: the pages of
   * a STIX export. Recording order is commit order (see INSERT_SQL), so paging while sightings are
   * recorded returns each exactly once. createdAt is unique: a poller resumes with
   * `since` = the createdAt of the last sighting it got (nextCursor is null on the last page).
   */
  async pageSince(options: SightingPageQuery): Promise<Page<SightingRecord>> {
    const limit = checkLimit(options.limit, 10_000);
    const after = options.cursor === undefined ? { t: '-infinity', i: '00000000-0000-0000-0000-000000000000' } : decodeSightingCursor(options.cursor);
    const since = options.since === undefined ? '-infinity' : checkInstant(options.since, 'since');
    const rows = await query<SightingRow>(this.fork(), PAGE_SINCE_SQL, [after.t, after.i, since, limit + 1]);
    return sightingPage(rows, limit);
  }

  /** How many sightings recorded after `since` pageSince leaves out (their indicator is held only as a pseudonym). */
  async pseudonymOnlyCount(since?: string): Promise<number> {
    const [row] = await query<{ n: number }>(this.fork(), WITHHELD_SINCE_SQL, [since === undefined ? '-infinity' : checkInstant(since, 'since')]);
    return Number(row?.n ?? 0);
  }
}

async function findIndicator(em: EntityManager, id: string, origin: string | undefined, lock: boolean): Promise<IndicatorRef> {
  if (!isUuid(id)) throw new DomainError('INDICATOR_NOT_FOUND', 'indicator ids are uuids');
  if (origin !== undefined && !isNodeId(origin)) throw new DomainError('INDICATOR_NOT_FOUND', 'the origin is not a node id');
  const sql = lock ? `${FIND_INDICATOR_SQL} for share of i` : FIND_INDICATOR_SQL;
  const [row] = await query<IndicatorRef>(em, sql, [id.toLowerCase(), origin ?? null, origin ?? null]);
  if (!row) throw new DomainError('INDICATOR_NOT_FOUND', `no indicator ${id}`);
  return row;
}

// The service validates input with its schema; these guards keep a direct caller from reaching a
// database constraint (which would surface as a 500).
function checkSighting(s: NewSighting): void {
  checkActor(s.actor);
  if (s.id !== undefined && !isUuid(s.id)) throw new DomainError('SIGHTING_INVALID', 'a sighting id is a uuid');
  if (!isNodeId(s.sightedBy)) throw new DomainError('SIGHTING_INVALID', 'sightedBy must be a node id');
  if (!Number.isInteger(s.count) || s.count < 1 || s.count > MAX_SIGHTING_COUNT) {
    throw new DomainError('SIGHTING_INVALID', `count must be an integer between 1 and ${MAX_SIGHTING_COUNT}`);
  }
  const first = Date.parse(checkInstant(s.firstSeen, 'firstSeen'));
  const last = Date.parse(checkInstant(s.lastSeen, 'lastSeen'));
  if (last < first) throw new DomainError('SIGHTING_INVALID', 'lastSeen is before firstSeen');
  if (s.note != null && (typeof s.note !== 'string' || s.note.length > 4096)) throw new DomainError('SIGHTING_INVALID', 'note is at most 4096 characters');
}

function checkInstant(text: string, field: string): string {
  const time = typeof text === 'string' ? Date.parse(text) : NaN;
  const year = Number.isNaN(time) ? 0 : new Date(time).getUTCFullYear();
  if (year < 1000 || year > 9999) throw new DomainError('SIGHTING_INVALID', `${field} is not an ISO 8601 instant`);
  return new Date(time).toISOString();
}
