import { DomainError, type Tlp } from '@palermo/indicators';
import type { ActorRef } from '../governance.types';
import { isUuid, toIso } from '../sql.helper';
import type { Page } from '../store.types';
import { toFeedbackStatus, type SightingFeedbackRow, type SightingFeedbackStatus } from './sighting.report';

// How stored sightings read back: the columns every read selects, a row as the API shows it, and
// keyset pages on (created_at, id) with their opaque cursor. Writing them is sighting.repository.ts.

/** A stored sighting. */
export interface SightingRecord {
  /** Sighting id (uuid v7). */
  id: string;
  /** The indicator's id (same as indicatorOriginId: the uuid its origin minted). */
  indicatorId: string;
  /** Node id of the indicator's origin. */
  indicatorOrigin: string;
  /** The indicator's id at its origin. */
  indicatorOriginId: string;
  /** The indicator's current TLP: a sighting says "this node holds it", so export marks it the same. */
  indicatorTlp: Tlp;
  /** Node id of the node that saw it. */
  sightedBy: string;
  /** How many times it was seen. */
  count: number;
  /** ISO 8601 UTC. */
  firstSeen: string;
  /** ISO 8601 UTC. */
  lastSeen: string;
  /** Free-text note, or null. */
  note: string | null;
  /** When it was recorded, ISO 8601 UTC (ms). */
  createdAt: string;
  /** Who recorded it, or null. */
  createdBy: ActorRef | null;
  /** Whether it was reported to the indicator's origin; null for own indicators. */
  feedback: SightingFeedbackStatus | null;
}

// The outbox row's published_at is looked up only for queued sightings (feedback_outbox_message_id).
export const SIGHTING_COLUMNS = `s.id, s.indicator_origin, s.indicator_origin_id, s.sighted_by, s.count, s.first_seen, s.last_seen,
  s.note, s.created_by_token, s.created_by_name, s.created_at, i.tlp as indicator_tlp,
  s.feedback_to, s.feedback_state, s.feedback_reason,
  case when s.feedback_state = 'queued' then
    (select max(o.published_at) from feedback_outbox o where o.message_id = s.id) end as feedback_published_at`;

/** A sighting row as SIGHTING_COLUMNS selects it. */
export interface SightingRow extends SightingFeedbackRow {
  id: string;
  indicator_origin: string;
  indicator_origin_id: string;
  sighted_by: string;
  count: number;
  first_seen: Date | string;
  last_seen: Date | string;
  note: string | null;
  created_by_token: string | null;
  created_by_name: string | null;
  created_at: Date | string;
  indicator_tlp: Tlp;
}

/** One page of `limit` rows (the query fetched limit + 1 to know whether there is a next one). */
export function sightingPage(rows: SightingRow[], limit: number): Page<SightingRecord> {
  const items = rows.slice(0, limit).map(toSightingRecord);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeSightingCursor(last.createdAt, last.id) : null };
}

/** A row as the API shows it. */
export function toSightingRecord(row: SightingRow): SightingRecord {
  return {
    id: row.id,
    indicatorId: row.indicator_origin_id,
    indicatorOrigin: row.indicator_origin,
    indicatorOriginId: row.indicator_origin_id,
    indicatorTlp: row.indicator_tlp,
    sightedBy: row.sighted_by,
    count: Number(row.count),
    firstSeen: toIso(row.first_seen),
    lastSeen: toIso(row.last_seen),
    note: row.note,
    createdAt: toIso(row.created_at),
    createdBy: row.created_by_token === null ? null : { tokenId: row.created_by_token, name: row.created_by_name ?? '' },
    feedback: toFeedbackStatus(row),
  };
}

// Opaque to clients (base64url JSON, like the other cursors); the key is (created_at, id).
function encodeSightingCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify({ v: 1, t: createdAt, i: id }), 'utf8').toString('base64url');
}

/** The (createdAt, id) key of a cursor this server issued; INVALID_CURSOR otherwise. */
export function decodeSightingCursor(cursor: string): { t: string; i: string } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: unknown; t?: unknown; i?: unknown };
    if (parsed.v === 1 && typeof parsed.t === 'string' && typeof parsed.i === 'string' && isUuid(parsed.i)) {
      const time = Date.parse(parsed.t);
      if (!Number.isNaN(time) && new Date(time).toISOString() === parsed.t) return { t: parsed.t, i: parsed.i };
    }
  } catch {
    // fall through: malformed base64 or JSON is the same client mistake as a wrong shape
  }
  throw new DomainError('INVALID_CURSOR', 'the cursor is not one this server issued');
}
