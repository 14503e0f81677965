import { toIso, toIsoOrNull } from '../sql.helper';
import type { DisclosureRecord, LookupHitRecord } from './disclosure.types';

// Shared SQL and row mapping of DisclosureRepository.

export const INSERT_HIT_SQL = `
  insert into lookup_hit (side, partner, request_id, reference, type, purpose, indicator_pk, indicator_origin,
    indicator_origin_id, asked_by_token, asked_by_name)
  values (?, ?, ?::uuid, ?, ?, ?, ?::bigint, ?, ?, ?::uuid, ?)
  on conflict (side, partner, request_id) do nothing`;

export const HIT_SQL = `
  select side, partner, request_id::text as request_id, reference, type, purpose, indicator_pk::text as indicator_pk,
    indicator_origin, indicator_origin_id, asked_by_token::text as asked_by_token, asked_by_name, created_at
  from lookup_hit where side = ? and request_id = ?::uuid and (?::text is null or partner = ?::text)
  order by created_at limit 1`;

export const INSERT_DISCLOSURE_SQL = `
  insert into disclosure (id, direction, partner, lookup_request_id, reference, purpose, legal_basis, case_reference,
    state, indicator_pk, requested_by_token, requested_by_name)
  values (?::uuid, ?, ?, ?::uuid, ?, ?, ?, ?, 'requested', ?::bigint, ?::uuid, ?)
  on conflict (id) do nothing
  returning id`;

// What this node's import made of a released indicator: the decision on that entry of that bundle.
const COLUMNS = `x.id::text as id, x.seq::text as seq, x.direction, x.partner, x.lookup_request_id::text as lookup_request_id,
  x.reference, x.purpose, x.legal_basis, x.case_reference, x.state, x.indicator_pk::text as indicator_pk,
  x.requested_by_token::text as requested_by_token, x.requested_by_name, x.decided_by_token::text as decided_by_token,
  x.decided_by_name, x.decided_at, x.reason, x.released_bundle_hash, x.released_origin, x.released_id,
  x.decision_delivery, x.decision_delivery_reason, x.created_at,
  x.updated_at, imp.action as import_action, imp.reasons as import_reasons, imp.version as import_version,
  (select b.received_at from bundle b where b.hash = x.released_bundle_hash and b.direction = 'in') as bundle_received_at`;
const IMPORT_JOIN = `left join lateral (
    select d.action, d.reasons, d.version from import_decision d
    where x.direction = 'out' and d.bundle_hash = x.released_bundle_hash and d.origin_node = x.released_origin and d.origin_id = x.released_id
    order by d.id desc limit 1) imp on true`;

export const GET_SQL = `select ${COLUMNS} from disclosure x ${IMPORT_JOIN} where x.id = ?::uuid`;

export const LIST_SQL = `select ${COLUMNS} from disclosure x ${IMPORT_JOIN}
  where (?::text is null or x.direction = ?::text) and (?::text is null or x.state = ?::text) and x.seq > ?::bigint
  order by x.seq asc limit ?`;

export const DECIDE_SQL = `
  update disclosure set state = ?, decided_by_token = ?::uuid, decided_by_name = ?, decided_at = now(), reason = ?,
    released_bundle_hash = ?, released_origin = ?, released_id = ?, decision_delivery = ?, decision_delivery_reason = ?,
    updated_at = now()
  where id = ?::uuid and direction = ? and state = 'requested' and (?::text is null or partner = ?::text)
  returning id`;

// The requester gives up on a request that waits; the partner is not told (the wire has no withdrawal).
export const WITHDRAW_SQL = `
  update disclosure set state = 'withdrawn', decided_by_token = ?::uuid, decided_by_name = ?, decided_at = now(), reason = ?,
    updated_at = now()
  where id = ?::uuid and direction = 'out' and state = 'requested'
  returning id`;

// Approved releases of own indicators: while the partner holds one, its later versions follow
// under the same approval as long as the policy only default-denies them (README "Disclosures after a hit").
export const STANDING_SQL = `
  select released_id, partner, id::text as id from disclosure
  where direction = 'in' and state = 'approved' and released_origin = ? and released_id = any(?::text[])
  order by seq`;

// The released indicator, locked against edits and revocations until the approval commits.
export const LOCK_INDICATOR_SQL = `
  select version, tlp, revoked_at is not null as revoked from indicator where pk = ?::bigint and own for share`;

export interface HitRow {
  side: LookupHitRecord['side'];
  partner: string;
  request_id: string;
  reference: string;
  type: string;
  purpose: string;
  indicator_pk: string | null;
  indicator_origin: string | null;
  indicator_origin_id: string | null;
  asked_by_token: string | null;
  asked_by_name: string | null;
  created_at: Date | string;
}

export interface DisclosureRow {
  id: string;
  seq: string;
  direction: DisclosureRecord['direction'];
  partner: string;
  lookup_request_id: string;
  reference: string;
  purpose: string;
  legal_basis: string;
  case_reference: string;
  state: DisclosureRecord['state'];
  indicator_pk: string | null;
  requested_by_token: string | null;
  requested_by_name: string | null;
  decided_by_token: string | null;
  decided_by_name: string | null;
  decided_at: Date | string | null;
  reason: string | null;
  released_bundle_hash: string | null;
  released_origin: string | null;
  released_id: string | null;
  decision_delivery: 'queued' | 'not-sent' | null;
  decision_delivery_reason: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  import_action: 'accept' | 'accept-pseudonymized' | 'reject' | null;
  import_reasons: string[] | null;
  import_version: number | null;
  bundle_received_at: Date | string | null;
}

export function toHit(r: HitRow): LookupHitRecord {
  return {
    side: r.side,
    partner: r.partner,
    requestId: r.request_id,
    reference: r.reference,
    type: r.type,
    purpose: r.purpose,
    indicator: r.indicator_origin && r.indicator_origin_id ? { pk: r.indicator_pk, origin: r.indicator_origin, id: r.indicator_origin_id } : null,
    askedBy: r.asked_by_token ? { tokenId: r.asked_by_token, name: r.asked_by_name ?? '' } : null,
    createdAt: toIso(r.created_at),
  };
}

export function toDisclosure(r: DisclosureRow): DisclosureRecord {
  const released = r.released_bundle_hash && r.released_origin && r.released_id ? { bundleHash: r.released_bundle_hash, indicator: { origin: r.released_origin, id: r.released_id } } : null;
  return {
    id: r.id,
    direction: r.direction,
    partner: r.partner,
    lookupRequestId: r.lookup_request_id,
    reference: r.reference,
    purpose: r.purpose,
    legalBasis: r.legal_basis,
    caseReference: r.case_reference,
    state: r.state,
    indicatorPk: r.indicator_pk,
    delivery: r.decision_delivery ? { state: r.decision_delivery, reason: r.decision_delivery_reason } : null,
    requestedBy: r.requested_by_token ? { tokenId: r.requested_by_token, name: r.requested_by_name ?? '' } : null,
    decidedBy: r.decided_by_token ? { tokenId: r.decided_by_token, name: r.decided_by_name ?? '' } : null,
    decidedAt: toIsoOrNull(r.decided_at),
    reason: r.reason,
    released,
    imported:
      r.direction === 'out' && released
        ? r.import_action
          ? { state: r.import_action, version: Number(r.import_version), reasons: r.import_reasons ?? [] }
          : { state: r.bundle_received_at ? 'not-in-bundle' : 'pending', version: null, reasons: [] }
        : null,
    createdAt: toIso(r.created_at),
    updatedAt: toIso(r.updated_at),
  };
}
