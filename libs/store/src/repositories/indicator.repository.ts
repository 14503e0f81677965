import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, TAG_PATTERN } from '@palermo/indicators';
import { decodeCursor, toPage } from '../cursor.helper';
import { ImportDecisionEntity } from '../entities/import-decision.entity';
import { IndicatorEntity } from '../entities/indicator.entity';
import { checkLimit, query, toIso } from '../sql.helper';
import type {
  IndicatorHistoryEvent,
  IndicatorInput,
  IndicatorProvenance,
  IndicatorRecord,
  IndicatorSearch,
  Page,
  PendingExport,
  PendingRelay,
  UpsertOwnResult,
} from '../store.types';
import { toDecisionRecord } from './decision.repository';
import { toIndicatorRecord, toWireIndicator, wireDate, type WireIndicatorRow } from './indicator.mapper';
import { type ExistingOwn, planOwnUpsert } from './own-upsert.plan';
import { Repository } from './repository.base';

// Serializes writers of own indicators (upsertOwn, revokeOwn): two analysts posting the same new
// value at once must meet one row, not race into the natural-key unique index.
export const OWN_WRITE_LOCK = 'select pg_advisory_xact_lock(7362001)';

const EXISTING_OWN_SQL = `
  select i.pk::text as pk, i.origin_id, i.type, i.value, i.platform, i.chain, i.tlp, i.confidence, i.tags,
         i.first_seen, i.last_seen, i.valid_until, i.description, i.version
  from indicator i
  join json_to_recordset(?::text::json) as k(type text, value text, platform text, chain text)
    on i.type = k.type and i.value = k.value
   and coalesce(i.platform, '') = coalesce(k.platform, '') and coalesce(i.chain, '') = coalesce(k.chain, '')
  where i.own and i.revoked_at is null`;

const INSERT_OWN_SQL = `
  insert into indicator (origin_node, origin_id, own, type, value, platform, chain, tlp, confidence, tags,
    first_seen, last_seen, valid_until, description, version, modified_at, exported_version, created_at, updated_at)
  select ?, x.id, true, x.type, x.value, x.platform, x.chain, x.tlp, x.confidence, x.tags,
    x.first_seen, x.last_seen, x.valid_until, x.description, 1, x.modified_at, 0, x.modified_at, x.modified_at
  from json_to_recordset(?::text::json) as x(id text, type text, value text, platform text, chain text, tlp text,
    confidence integer, tags text[], first_seen timestamptz, last_seen timestamptz, valid_until timestamptz,
    description text, modified_at timestamptz, n integer)
  order by x.n`;

const UPDATE_OWN_SQL = `
  update indicator set tlp = x.tlp, confidence = x.confidence, tags = x.tags, first_seen = x.first_seen,
    last_seen = x.last_seen, valid_until = x.valid_until, description = x.description, version = x.version,
    modified_at = x.modified_at, updated_at = x.modified_at
  from json_to_recordset(?::text::json) as x(pk bigint, tlp text, confidence integer, tags text[],
    first_seen timestamptz, last_seen timestamptz, valid_until timestamptz, description text, version integer,
    modified_at timestamptz)
  where indicator.pk = x.pk`;

const REVOKE_OWN_SQL = `
  update indicator set revoked_at = ?, revoke_reason = ?, version = version + 1, modified_at = ?, updated_at = ?
  where own and origin_id = ? and revoked_at is null
  returning version`;

// Served by the partial index indicator_pending_export (modified_at, pk).
const PENDING_EXPORT_SQL = `
  select i.origin_id, i.origin_node, i.version, i.type, i.value, i.platform, i.chain, i.tlp, i.confidence, i.tags,
         i.first_seen, i.last_seen, i.valid_until, i.description, i.modified_at, i.revoked_at, i.revoke_reason
  from indicator i
  where i.own and i.exported_version < i.version
  order by i.modified_at asc, i.pk asc
  limit ?`;

// Served by the partial index indicator_own_current (pk): the backfill of a newly active agreement.
const OWN_PAGE_SQL = `
  select i.pk::text as pk, i.origin_id, i.origin_node, i.version, i.type, i.value, i.platform, i.chain, i.tlp,
         i.confidence, i.tags, i.first_seen, i.last_seen, i.valid_until, i.description, i.modified_at,
         i.revoked_at, i.revoke_reason
  from indicator i
  where i.own and i.pk > ?::bigint
  order by i.pk asc
  limit ?`;

// One indicator by pk, as a disclosure releases it (own ones only carry a wire form).
const BY_PK_SQL = `
  select i.pk::text as pk, i.own, i.origin_id, i.origin_node, i.version, i.type, i.value, i.platform, i.chain, i.tlp,
         i.confidence, i.tags, i.first_seen, i.last_seen, i.valid_until, i.description, i.modified_at,
         i.revoked_at, i.revoke_reason, i.expires_at
  from indicator i where i.pk = ?::bigint`;

// Served by the partial index indicator_pending_relay (migration Lifecycle).
const PENDING_RELAY_SQL = `
  select i.origin_id, i.origin_node, i.version, i.type, i.value, i.platform, i.chain, i.tlp, i.confidence, i.tags,
         i.first_seen, i.last_seen, i.valid_until, i.description, i.modified_at, i.revoked_at, i.revoke_reason,
         i.relayed_by
  from indicator i
  where not i.own and (i.relay_version < i.version or (i.revoked_at is not null and not i.relay_revoked))
  order by i.pk asc
  limit ?`;

// Received versions (import decisions with the bundle that carried them), the revocation, and refusals.
const HISTORY_SQL = `
  with k as (select * from json_to_recordset(?::text::json) as x(origin_node text, origin_id text))
  select * from (
    select d.origin_node, d.origin_id, 'received' as event, coalesce(b.received_at, d.decided_at) as at, d.version,
           b.publisher as sender, d.bundle_hash, d.action as detail, d.reasons, d.id as n
    from import_decision d join k on k.origin_node = d.origin_node and k.origin_id = d.origin_id
    left join bundle b on b.hash = d.bundle_hash
    union all
    select r.origin_node, r.origin_id, 'revoked', r.revoked_at, null, coalesce(r.relayed_by, r.origin_node), r.bundle_hash,
           r.reason, null, 0
    from indicator_revocation r join k on k.origin_node = r.origin_node and k.origin_id = r.origin_id
    union all
    select f.origin_node, f.origin_id, 'revocation-refused', f.refused_at, null, f.publisher, f.bundle_hash, f.code, null, f.id
    from revocation_refusal f join k on k.origin_node = f.origin_node and k.origin_id = f.origin_id
  ) h
  order by h.origin_node, h.origin_id, h.at, h.n`;

interface HistoryRow {
  origin_node: string;
  origin_id: string;
  event: IndicatorHistoryEvent['event'];
  at: Date | string;
  version: number | null;
  sender: string | null;
  bundle_hash: string | null;
  detail: string | null;
  reasons: string[] | null;
}

const PK_PATTERN = /^[0-9]{1,19}$/;

interface PendingRow extends WireIndicatorRow {
  revoked_at: Date | string | null;
  revoke_reason: string | null;
}

// The same columns pendingExport reads, with the key the update plan needs; `value` is never null
// here (the natural-key join matched it).
interface ExistingRow extends Omit<WireIndicatorRow, 'origin_node' | 'modified_at'> {
  pk: string;
  value: string;
}

/** Own and imported indicators: own writes, search, provenance and the export queue. */
export class IndicatorRepository extends Repository {
  /**
   * Creates or updates own indicators in ONE transaction (all or nothing), deduplicated by natural
   * key among active own indicators; a changed attribute bumps the version (see planOwnUpsert).
   */
  async upsertOwn(nodeId: string, items: readonly IndicatorInput[]): Promise<UpsertOwnResult[]> {
    if (items.length === 0) return [];
    return this.transaction(async (em) => {
      await query(em, OWN_WRITE_LOCK);
      return upsertOwnIn(em, nodeId, items);
    });
  }

  /**
   * Permanently revokes an own indicator: the revocation is a new version, so it joins the export
   * queue. Revoking a revoked indicator changes nothing. Unknown id → INDICATOR_NOT_FOUND.
   */
  async revokeOwn(id: string, reason: string): Promise<{ id: string; version: number; alreadyRevoked: boolean }> {
    return this.transaction(async (em) => {
      await query(em, OWN_WRITE_LOCK);
      return revokeOwnIn(em, id, reason);
    });
  }

  /** Exact-match search over own and imported indicators, newest first, keyset-paginated. */
  async search(filter: IndicatorSearch): Promise<Page<IndicatorRecord>> {
    const limit = checkLimit(filter.limit);
    const where: FilterQuery<IndicatorEntity> = {};
    if (filter.type !== undefined) where.type = filter.type;
    if (filter.value !== undefined) where.value = filter.value;
    if (filter.pseudonym !== undefined) where.pseudonym = filter.pseudonym;
    if (filter.valueOrPseudonym !== undefined) {
      where.$or = [{ value: filter.valueOrPseudonym.value }, { pseudonym: filter.valueOrPseudonym.pseudonym }];
    }
    if (filter.origin !== undefined) where.originNode = filter.origin;
    if (filter.platform !== undefined) where.platform = filter.platform;
    if (filter.chain !== undefined) where.chain = filter.chain;
    if (filter.tag !== undefined) {
      // The driver renders the array as a literal: a comma, brace or quote would change its meaning.
      if (!TAG_PATTERN.test(filter.tag)) throw new DomainError('INVALID_TAG', `tag ${JSON.stringify(filter.tag.slice(0, 64))} is not a valid tag`);
      where.tags = { $contains: [filter.tag] };
    }
    if (!filter.includeRevoked) where.revokedAt = null;
    // Past its validUntil an indicator is history, not an active result.
    if (!filter.includeExpired) where.$and = [{ $or: [{ validUntil: null }, { validUntil: { $gt: new Date() } }] }];
    if (filter.cursor !== undefined) where.pk = { $lt: decodeCursor(filter.cursor) };
    const rows = await this.fork().find(IndicatorEntity, where, { orderBy: { pk: 'desc' }, limit: limit + 1 });
    return toPage(rows, limit, (row) => row.pk, toIndicatorRecord);
  }

  /**
   * One indicator with the bundle that brought its stored version and the latest import decision
   * about it. `origin` disambiguates when two origins used the same id; without it, an own
   * indicator wins over imported ones.
   */
  async getWithProvenance(id: string, origin?: string): Promise<IndicatorProvenance | null> {
    const em = this.fork();
    const where: FilterQuery<IndicatorEntity> = origin === undefined ? { originId: id } : { originId: id, originNode: origin };
    const rows = await em.find(IndicatorEntity, where, { orderBy: { own: 'desc', pk: 'asc' }, limit: 1 });
    const row = rows[0];
    if (!row) return null;
    const decision = row.own ? null : await latestDecision(em, row.originNode, row.originId);
    return { indicator: toIndicatorRecord(row), bundleHash: row.sourceBundleHash, decision };
  }

  /**
   * Own indicators whose current version (upsert or revocation) is not exported yet, oldest first.
   * Plain rows, not entities: the exporter reads up to 50k of them per pass only to build wire
   * indicators, and hydrating managed entities (identity map, snapshots) cost ~75 µs a row.
   */
  async pendingExport(limit: number): Promise<PendingExport[]> {
    checkLimit(limit, 50_000);
    const rows = await query<PendingRow>(this.fork(), PENDING_EXPORT_SQL, [limit]);
    return rows.map((row) => ({
      id: row.origin_id,
      version: row.version,
      indicator: toWireIndicator(row),
      revoked: row.revoked_at === null ? null : { at: wireDate(row.revoked_at), reason: row.revoke_reason ?? '' },
    }));
  }

  /**
   * Imported indicators the exporter has not considered for onward sharing at their current version
   * (or whose revocation it has not passed on), oldest first. Served by indicator_pending_relay.
   */
  async pendingRelay(limit: number): Promise<PendingRelay[]> {
    checkLimit(limit, 50_000);
    const rows = await query<PendingRow & { relayed_by: string | null }>(this.fork(), PENDING_RELAY_SQL, [limit]);
    return rows.map((row) => ({
      id: row.origin_id,
      originNode: row.origin_node,
      version: row.version,
      receivedFrom: row.relayed_by ?? row.origin_node,
      pseudonymized: row.value === null,
      // A pseudonymized row has no value to send; it is never relayed, so an empty value stands in.
      indicator: toWireIndicator(row.value === null ? { ...row, value: '' } : row),
      revoked: row.revoked_at === null ? null : { at: wireDate(row.revoked_at), reason: row.revoke_reason ?? '' },
    }));
  }

  /**
   * What happened to these indicators here, oldest first per indicator: every version received (with
   * the decision and the sending node), the origin's revocation, and refused revocations.
   */
  async history(keys: readonly { origin: string; id: string }[]): Promise<Map<string, IndicatorHistoryEvent[]>> {
    const out = new Map<string, IndicatorHistoryEvent[]>();
    if (keys.length === 0) return out;
    const rows = await query<HistoryRow>(this.fork(), HISTORY_SQL, [JSON.stringify(keys.map((k) => ({ origin_node: k.origin, origin_id: k.id })))]);
    for (const row of rows) {
      const key = `${row.origin_node}/${row.origin_id}`;
      const events = out.get(key) ?? [];
      out.set(key, events);
      events.push({
        event: row.event,
        at: toIso(row.at),
        version: row.version,
        from: row.sender,
        bundleHash: row.bundle_hash,
        detail: row.detail,
        ...(row.reasons ? { reasons: row.reasons } : {}),
      });
    }
    return out;
  }

  /**
   * Own indicators in their current version, revoked ones included, in pk order after `afterPk`
   * (null = from the start): the pages of an agreement's backfill. Pass the last pk back as the
   * cursor (saveOutbound's `backfill.pk`). Limit 1–50,000.
   */
  /** The indicator at `pk` for a disclosure's release (null when there is none, e.g. purged). */
  async releaseCandidate(pk: string): Promise<ReleaseCandidate | null> {
    if (!PK_PATTERN.test(pk)) return null;
    const [row] = await query<PendingRow & { pk: string; own: boolean; expires_at: Date | string | null }>(this.fork(), BY_PK_SQL, [pk]);
    if (!row) return null;
    return {
      pk: row.pk,
      own: row.own,
      originNode: row.origin_node,
      originId: row.origin_id,
      revokedAt: row.revoked_at === null ? null : toIso(row.revoked_at),
      validUntil: row.valid_until === null ? null : toIso(row.valid_until),
      expiresAt: row.expires_at === null ? null : toIso(row.expires_at),
      item: row.own && row.value !== null ? { id: row.origin_id, version: row.version, indicator: toWireIndicator(row), revoked: null } : null,
    };
  }

  async ownPage(afterPk: string | null, limit: number): Promise<OwnPage> {
    checkLimit(limit, 50_000);
    if (afterPk !== null && !PK_PATTERN.test(afterPk)) throw new DomainError('INVALID_CURSOR', 'a backfill cursor is an indicator pk');
    const rows = await query<PendingRow & { pk: string }>(this.fork(), OWN_PAGE_SQL, [afterPk ?? '0', limit]);
    return rows.map((row) => ({
      pk: row.pk,
      item: {
        id: row.origin_id,
        version: row.version,
        indicator: toWireIndicator(row),
        revoked: row.revoked_at === null ? null : { at: wireDate(row.revoked_at), reason: row.revoke_reason ?? '' },
      },
    }));
  }
}

/** An indicator by pk as a disclosure sees it: whether it is own, still current, and (own only) its wire form. */
export interface ReleaseCandidate {
  pk: string;
  own: boolean;
  originNode: string;
  originId: string;
  revokedAt: string | null;
  validUntil: string | null;
  /** Imported indicators: when retention purges it. */
  expiresAt: string | null;
  /** Own indicators: the current version as it goes on the wire; null for imported ones. */
  item: PendingExport | null;
}

/**
 * One page of the backfill: own indicators after `afterPk` in pk order, current version, revoked
 * ones included (a partner that holds one and missed its revocation while suspended must get it).
 */
export type OwnPage = { pk: string; item: PendingExport }[];

/**
 * upsertOwn's work inside the caller's transaction, which must already hold OWN_WRITE_LOCK (the STIX
 * and MISP imports write many batches in one transaction).
 */
export async function upsertOwnIn(em: EntityManager, nodeId: string, items: readonly IndicatorInput[]): Promise<UpsertOwnResult[]> {
  if (items.length === 0) return [];
  const keys = items.map((i) => ({ type: i.type, value: i.value, platform: i.platform ?? null, chain: i.chain ?? null }));
  const rows = await query<ExistingRow>(em, EXISTING_OWN_SQL, [JSON.stringify(keys)]);
  const plan = planOwnUpsert(items, rows.map(toExisting), new Date().toISOString());
  if (plan.inserts.length > 0) {
    // `n` keeps input order in the surrogate keys, so "newest first" lists follow the batch.
    const inserts = plan.inserts.map((row, n) => ({ ...row, n }));
    await query(em, INSERT_OWN_SQL, [nodeId, JSON.stringify(inserts)]);
  }
  if (plan.updates.length > 0) await query(em, UPDATE_OWN_SQL, [JSON.stringify(plan.updates)]);
  return plan.results;
}

/** revokeOwn's work inside the caller's transaction, which must already hold OWN_WRITE_LOCK. */
export async function revokeOwnIn(em: EntityManager, id: string, reason: string): Promise<{ id: string; version: number; alreadyRevoked: boolean }> {
  const now = new Date().toISOString();
  const updated = await query<{ version: number }>(em, REVOKE_OWN_SQL, [now, reason, now, now, id]);
  if (updated[0]) return { id, version: updated[0].version, alreadyRevoked: false };
  const row = await em.findOne(IndicatorEntity, { own: true, originId: id });
  if (!row) throw new DomainError('INDICATOR_NOT_FOUND', `no own indicator ${id}`);
  return { id, version: row.version, alreadyRevoked: true };
}

async function latestDecision(em: EntityManager, originNode: string, originId: string) {
  const row = await em.findOne(ImportDecisionEntity, { originNode, originId }, { orderBy: { id: 'desc' } });
  return row ? toDecisionRecord(row) : null;
}

function toExisting(row: ExistingRow): ExistingOwn {
  // Dates as ISO strings, so the plan compares equal instants as equal strings on either driver.
  const validUntil = row.valid_until === null ? null : toIso(row.valid_until);
  return { ...row, first_seen: toIso(row.first_seen), last_seen: toIso(row.last_seen), valid_until: validUntil };
}
