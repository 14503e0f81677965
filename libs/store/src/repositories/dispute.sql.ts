import { toIso, toIsoOrNull } from '../sql.helper';
import type { ActorRef } from '../governance.types';

/** Kinds of dispute (as on the wire). */
export type DisputeKindName = 'false-positive' | 'wrong-tags' | 'other';
/** open until the origin resolves it. */
export type DisputeStateName = 'open' | 'accepted' | 'rejected';
/** out: this node disputes a partner's indicator; in: a partner disputes one of ours. */
export type DisputeDirection = 'out' | 'in';

/**
 * The message this node sends about a dispute (out: the dispute; in: the resolution): queued in the
 * outbox, sent (the recipient's stream acknowledged it) or not sent, and why.
 */
export interface DisputeDelivery {
  to: string | null;
  state: 'queued' | 'sent' | 'not-sent';
  reason?: string;
  sentAt?: string;
}

/** A dispute as the API shows it. */
export interface DisputeRecord {
  /** uuid v7 minted by the disputer; the same id on both nodes. */
  id: string;
  direction: DisputeDirection;
  /** The disputed indicator: its origin (the node that resolves) and the id the origin minted. */
  indicator: { origin: string; id: string };
  /** The node that disputes. */
  disputer: string;
  /** The indicator version the disputer held. */
  version: number;
  kind: DisputeKindName;
  reason: string;
  suggestedTags: string[] | null;
  state: DisputeStateName;
  /** Set once resolved: the origin's note, when, and (on the origin) the officer who resolved it. */
  resolution: { id: string | null; note: string; at: string; by: ActorRef | null } | null;
  /** When the disputer made it (the message's `at`). */
  disputedAt: string;
  /** When this node stored it. */
  createdAt: string;
  /** Who opened it here (out), or null (in: a partner). */
  createdBy: ActorRef | null;
  /** The message this node sends about it (out: the dispute; in: the resolution, once resolved). */
  delivery: DisputeDelivery | null;
}

export const COLUMNS = `d.pk::text as pk, d.id, d.direction, d.indicator_origin, d.indicator_id, d.disputer, d.version, d.kind,
  d.reason, d.suggested_tags, d.state, d.resolution_id, d.resolution_note, d.resolved_at, d.resolved_by_token,
  d.resolved_by_name, d.disputed_at, d.created_at, d.created_by_token, d.created_by_name, d.delivery_to,
  d.delivery_state, d.delivery_reason,
  case when d.delivery_state = 'queued' then (select max(o.published_at) from feedback_outbox o
    where o.message_id = (case when d.direction = 'out' then d.id else d.resolution_id end)) end as delivery_published_at`;

// suggested_tags travel as one JSON text parameter (null = none): the same bytes on both drivers.
export const INSERT_SQL = `
  insert into dispute (id, direction, indicator_origin, indicator_id, disputer, version, kind, reason, suggested_tags,
    disputed_at, message_hash, delivery_to, delivery_state, delivery_reason, created_by_token, created_by_name)
  values (?::uuid, ?, ?, ?, ?, ?, ?, ?,
    (select case when ?::text is null then null else array(select json_array_elements_text(?::text::json)) end),
    ?::timestamptz, ?, ?, ?, ?, ?::uuid, ?)
  on conflict (id) do nothing
  returning pk::text as pk`;

export const LOCK_SQL = `select ${COLUMNS} from dispute d where d.id = ?::uuid for update of d`;

export const RESOLVE_SQL = `
  update dispute set state = ?, resolution_id = ?::uuid, resolution_note = ?, resolved_at = ?::timestamptz,
    resolved_by_token = ?::uuid, resolved_by_name = ?, delivery_to = coalesce(?, delivery_to),
    delivery_state = coalesce(?, delivery_state), delivery_reason = ?
  where id = ?::uuid and state = 'open'`;

export interface DisputeRow {
  pk: string;
  id: string;
  direction: DisputeDirection;
  indicator_origin: string;
  indicator_id: string;
  disputer: string;
  version: number;
  kind: DisputeKindName;
  reason: string;
  suggested_tags: string[] | null;
  state: DisputeStateName;
  resolution_id: string | null;
  resolution_note: string | null;
  resolved_at: Date | string | null;
  resolved_by_token: string | null;
  resolved_by_name: string | null;
  disputed_at: Date | string;
  created_at: Date | string;
  created_by_token: string | null;
  created_by_name: string | null;
  delivery_to: string | null;
  delivery_state: 'queued' | 'not-sent' | null;
  delivery_reason: string | null;
  delivery_published_at: Date | string | null;
  message_hash?: string | null;
}

export function toDisputeRecord(r: DisputeRow): DisputeRecord {
  return {
    id: r.id,
    direction: r.direction,
    indicator: { origin: r.indicator_origin, id: r.indicator_id },
    disputer: r.disputer,
    version: Number(r.version),
    kind: r.kind,
    reason: r.reason,
    suggestedTags: r.suggested_tags ?? null,
    state: r.state,
    resolution:
      r.resolved_at === null
        ? null
        : {
            id: r.resolution_id,
            note: r.resolution_note ?? '',
            at: toIso(r.resolved_at),
            by: r.resolved_by_token === null ? null : { tokenId: r.resolved_by_token, name: r.resolved_by_name ?? '' },
          },
    disputedAt: toIso(r.disputed_at),
    createdAt: toIso(r.created_at),
    createdBy: r.created_by_token === null ? null : { tokenId: r.created_by_token, name: r.created_by_name ?? '' },
    delivery: toDelivery(r),
  };
}

function toDelivery(r: DisputeRow): DisputeDelivery | null {
  if (r.delivery_state === null) return null;
  if (r.delivery_state === 'not-sent') return { to: r.delivery_to, state: 'not-sent', reason: r.delivery_reason ?? 'FEEDBACK_NOT_SENT' };
  const sentAt = toIsoOrNull(r.delivery_published_at);
  return sentAt ? { to: r.delivery_to, state: 'sent', sentAt } : { to: r.delivery_to, state: 'queued' };
}
