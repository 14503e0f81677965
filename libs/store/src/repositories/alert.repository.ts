import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, naturalKey, type IndicatorType, type Tlp } from '@palermo/indicators';
import { v7 as uuidv7 } from 'uuid';
import { decodeCursor, toPage } from '../cursor.helper';
import { checkLimit, isUuid, query, toIso } from '../sql.helper';
import type { Page } from '../store.types';
import type { ActorRef } from '../governance.types';
import { appendAudit, checkActor } from './audit.repository';
import * as SQL from './alert.sql';
import { Repository } from './repository.base';

/** How an alert's sources agree: same natural key, same pseudonym, or image hashes within the threshold. */
export type AlertKind = 'exact' | 'pseudonym' | 'near';
export const ALERT_KINDS: readonly AlertKind[] = ['exact', 'pseudonym', 'near'];
export type AlertState = 'open' | 'acknowledged';

/** What the sources of one alert agree on. */
export type AlertMatch =
  | { kind: 'exact'; type: IndicatorType; value: string; qualifier: string }
  | { kind: 'pseudonym'; type: IndicatorType; pseudonym: string }
  | { kind: 'near'; a: string; b: string; distance: number };

/** One indicator counted by an alert (never its value). */
export interface AlertSource {
  /** Node id of the indicator's origin. */
  origin: string;
  /** The indicator's id at its origin. */
  indicatorId: string;
  /** Node that sent it here (the bundle's publisher; the origin itself for own indicators). */
  via: string;
  /** Version this node holds. */
  version: number;
  tlp: Tlp;
  /** True when this node holds it only as a pseudonym. */
  pseudonymOnly: boolean;
  firstSeen: string;
  lastSeen: string;
  /** False once revoked, expired or purged: it no longer counts. */
  active: boolean;
  /** When it joined the alert. */
  addedAt: string;
}

/** A correlation alert as the API shows it. */
export interface AlertRecord {
  id: string;
  kind: AlertKind;
  type: string;
  /** The normalized value (exact, near); null for a pseudonym alert. */
  value: string | null;
  /** The other image hash of a near alert. */
  nearValue: string | null;
  /** The pseudonym of a pseudonym alert. */
  pseudonym: string | null;
  /** Hamming distance of a near alert. */
  distance: number | null;
  state: AlertState;
  /** Active sources (indicators). */
  sourceCount: number;
  /** Distinct origins among the active sources. */
  nodeCount: number;
  createdAt: string;
  updatedAt: string;
  sources: AlertSource[];
}

/** Filters of GET /alerts (validated at the edge; the repository checks what reaches SQL). */
export interface AlertFilter {
  type?: string;
  kind?: AlertKind;
  /** The origin node of a source. */
  origin?: string;
  /** A node that is the origin or the sender of a source. */
  node?: string;
  /** Only alerts updated at or after this instant (ISO 8601). */
  since?: string;
  minSources?: number;
  state?: AlertState;
  cursor?: string;
  limit?: number;
}

/** One indicator changed after the correlator's cursor. */
export interface ChangedIndicator {
  pk: string;
  changeSeq: string;
  origin: string;
  own: boolean;
  type: IndicatorType;
  value: string | null;
  pseudonym: string | null;
  platform: string | null;
  chain: string | null;
  active: boolean;
}

/** What the correlator derived from one page of changes. */
export interface CorrelationPage {
  /** change_seq of the last indicator of the page: the cursor moves there. */
  upTo: string;
  /** The indicators of the page (alerts they are in are recomputed). */
  indicatorPks: string[];
  /** This node's pseudonym of each indicator of the page. */
  keys: { indicatorPk: string; type: string; pseudonym: string }[];
  /** Match keys the page's indicators take part in now. */
  matches: AlertMatch[];
}

interface SourceRow {
  pk: string;
  origin_node: string;
  origin_id: string;
  own: boolean;
  version: number;
  tlp: Tlp;
  pseudonym_only: boolean;
  via_node: string;
  value: string | null;
  first_seen: Date | string;
  last_seen: Date | string;
  active: boolean;
}

interface MatchRow {
  kind: AlertKind;
  type: string;
  qualifier: string;
  value: string | null;
  near_value: string | null;
  pseudonym: string | null;
  distance: number | null;
}

/**
 * Correlation alerts: one per match key, recomputed from the indicator table whenever one of its
 * indicators changes, so applying a page twice is the same as once. Only the correlator writes.
 */
export class AlertRepository extends Repository {
  /** Where the correlator is, as an indicator change_seq. */
  async cursor(): Promise<string> {
    const rows = await query<{ change_seq: string }>(this.fork(), SQL.CURSOR_SQL);
    return rows[0]?.change_seq ?? '0';
  }

  /** Up to `limit` indicators changed after `after`, in commit order. */
  async changesAfter(after: string, limit: number): Promise<ChangedIndicator[]> {
    checkLimit(limit, 10_000);
    const rows = await query<Record<string, unknown>>(this.fork(), SQL.CHANGES_SQL, [after, limit]);
    return rows.map((r) => ({
      pk: String(r.pk),
      changeSeq: String(r.change_seq),
      origin: r.origin_node as string,
      own: Boolean(r.own),
      type: r.type as IndicatorType,
      value: (r.value as string | null) ?? null,
      pseudonym: (r.pseudonym as string | null) ?? null,
      platform: (r.platform as string | null) ?? null,
      chain: (r.chain as string | null) ?? null,
      active: Boolean(r.active),
    }));
  }

  /**
   * Applies one page in one transaction: stores the pseudonyms, recomputes every alert the page
   * touches, audits new alerts (`alert.created`) and moves the cursor. Returns the new alerts' ids.
   */
  async applyPage(page: CorrelationPage): Promise<string[]> {
    return this.transaction(async (em) => {
      await query(em, SQL.LOCK_SQL);
      if (page.keys.length > 0) {
        const rows = page.keys.map((k) => ({ indicator_pk: k.indicatorPk, type: k.type, pseudonym: k.pseudonym }));
        await query(em, SQL.UPSERT_KEYS_SQL, [JSON.stringify(rows)]);
      }
      const matches = new Map<string, AlertMatch>();
      for (const m of page.matches) matches.set(matchKeyOf(m).join('\0'), m);
      if (page.indicatorPks.length > 0) {
        const rows = await query<MatchRow>(em, SQL.ALERTS_OF_INDICATORS_SQL, [`{${page.indicatorPks.join(',')}}`]);
        for (const row of rows) {
          const m = matchOfRow(row);
          matches.set(matchKeyOf(m).join('\0'), m);
        }
      }
      const created: string[] = [];
      for (const m of matches.values()) {
        const id = await recompute(em, m);
        if (id) created.push(id);
      }
      await query(em, SQL.MOVE_CURSOR_SQL, [page.upTo]);
      return created;
    });
  }

  /** Recomputes up to `limit` alerts that still count a source since expired, revoked or purged; how many. */
  async sweep(limit = 100): Promise<number> {
    checkLimit(limit, 10_000);
    return this.transaction(async (em) => {
      await query(em, SQL.LOCK_SQL);
      const rows = await query<MatchRow>(em, SQL.STALE_ALERTS_SQL, [limit]);
      for (const row of rows) await recompute(em, matchOfRow(row));
      return rows.length;
    });
  }

  /** One alert with its sources; ALERT_NOT_FOUND otherwise. */
  async get(id: string): Promise<AlertRecord> {
    if (!isUuid(id)) throw new DomainError('ALERT_NOT_FOUND', `no alert ${String(id).slice(0, 64)}`);
    const em = this.fork();
    const rows = await query<Record<string, unknown>>(em, `select ${SQL.ALERT_COLUMNS} from alert a where a.id = ?::uuid`, [id]);
    if (rows.length === 0) throw new DomainError('ALERT_NOT_FOUND', `no alert ${id}`);
    return (await withSources(em, rows))[0]!;
  }

  /**
   * Marks an alert acknowledged (an analyst has looked at it; it stays listed and keeps growing);
   * audited as `alert.acknowledged`. Acknowledging twice changes nothing the second time.
   * ALERT_NOT_FOUND otherwise.
   */
  async acknowledge(id: string, actor: ActorRef | null): Promise<AlertRecord> {
    checkActor(actor);
    if (!isUuid(id)) throw new DomainError('ALERT_NOT_FOUND', `no alert ${String(id).slice(0, 64)}`);
    await this.transaction(async (em) => {
      const rows = await query<{ state: AlertState }>(em, `select state from alert where id = ?::uuid for update`, [id]);
      if (rows.length === 0) throw new DomainError('ALERT_NOT_FOUND', `no alert ${id}`);
      if (rows[0]!.state === 'acknowledged') return;
      await query(em, `update alert set state = 'acknowledged' where id = ?::uuid`, [id]);
      await appendAudit(em, [{ actor, action: 'alert.acknowledged', subjectType: 'alert', subjectId: id, details: {} }]);
    });
    return this.get(id);
  }

  /** Alerts newest first (keyset paging on the alert's creation order), with their sources. */
  async list(filter: AlertFilter = {}): Promise<Page<AlertRecord>> {
    const limit = checkLimit(filter.limit ?? 100);
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.cursor !== undefined) {
      where.push('a.pk < ?::bigint');
      params.push(decodeCursor(filter.cursor));
    }
    if (filter.kind !== undefined) {
      if (!ALERT_KINDS.includes(filter.kind)) throw new DomainError('ALERT_FILTER_INVALID', 'kind is exact, pseudonym or near');
      where.push('a.kind = ?');
      params.push(filter.kind);
    }
    if (filter.type !== undefined) {
      where.push('a.type = ?');
      params.push(filter.type);
    }
    if (filter.state !== undefined) {
      where.push('a.state = ?');
      params.push(filter.state);
    }
    if (filter.minSources !== undefined) {
      if (!Number.isInteger(filter.minSources) || filter.minSources < 0) throw new DomainError('ALERT_FILTER_INVALID', 'minSources is a whole number');
      where.push('a.source_count >= ?::integer');
      params.push(filter.minSources);
    }
    if (filter.since !== undefined) {
      if (Number.isNaN(Date.parse(filter.since))) throw new DomainError('ALERT_FILTER_INVALID', 'since is an ISO 8601 instant');
      where.push('a.updated_at >= ?::timestamptz');
      params.push(filter.since);
    }
    if (filter.origin !== undefined) {
      where.push('exists (select 1 from alert_source s where s.alert_pk = a.pk and s.origin_node = ?)');
      params.push(filter.origin);
    }
    if (filter.node !== undefined) {
      where.push('exists (select 1 from alert_source s where s.alert_pk = a.pk and (s.origin_node = ? or s.via_node = ?))');
      params.push(filter.node, filter.node);
    }
    const em = this.fork();
    const sql = `select ${SQL.ALERT_COLUMNS} from alert a ${where.length ? `where ${where.join(' and ')}` : ''} order by a.pk desc limit ?`;
    const rows = await query<Record<string, unknown>>(em, sql, [...params, limit + 1]);
    const page = toPage(rows, limit, (r) => String(r.pk), (r) => r);
    return { items: await withSources(em, page.items), nextCursor: page.nextCursor };
  }
}

/** (kind, match_key) of a match: the natural key, the type and pseudonym, or the ordered hash pair. */
function matchKeyOf(m: AlertMatch): [AlertKind, string] {
  if (m.kind === 'exact') {
    const parts = { type: m.type, value: m.value, ...(m.type === 'username' ? { platform: m.qualifier } : {}), ...(m.type === 'crypto-wallet' ? { chain: m.qualifier } : {}) };
    return ['exact', naturalKey(parts)];
  }
  if (m.kind === 'pseudonym') return ['pseudonym', `${m.type}:${m.pseudonym}`];
  const [a, b] = [m.a, m.b].sort();
  return ['near', `${a}|${b}`];
}

function matchOfRow(row: MatchRow): AlertMatch {
  if (row.kind === 'exact') return { kind: 'exact', type: row.type as IndicatorType, value: row.value!, qualifier: row.qualifier };
  if (row.kind === 'pseudonym') return { kind: 'pseudonym', type: row.type as IndicatorType, pseudonym: row.pseudonym! };
  return { kind: 'near', a: row.value!, b: row.near_value!, distance: Number(row.distance) };
}

async function sourcesOf(em: EntityManager, m: AlertMatch): Promise<SourceRow[]> {
  if (m.kind === 'exact') return query<SourceRow>(em, SQL.EXACT_SOURCES_SQL, [m.type, m.value, m.qualifier]);
  if (m.kind === 'pseudonym') return query<SourceRow>(em, SQL.PSEUDONYM_SOURCES_SQL, [m.type, m.pseudonym]);
  return query<SourceRow>(em, SQL.NEAR_SOURCES_SQL, [m.a, m.b]);
}

/** Whether the active sources make an alert: two origins at least, and what the kind needs besides. */
function qualifies(m: AlertMatch, active: SourceRow[]): boolean {
  if (new Set(active.map((s) => s.origin_node)).size < 2) return false;
  // A pseudonym alert adds something only when a source is held as a pseudonym (else the exact alert says it).
  if (m.kind === 'pseudonym') return active.some((s) => s.pseudonym_only);
  if (m.kind === 'near') {
    const a = new Set(active.filter((s) => s.value === m.a).map((s) => s.origin_node));
    const b = new Set(active.filter((s) => s.value === m.b).map((s) => s.origin_node));
    return [...a].some((x) => [...b].some((y) => x !== y));
  }
  return true;
}

/** Recomputes one alert from the indicator table; the new alert's id when this created it. */
async function recompute(em: EntityManager, m: AlertMatch): Promise<string | null> {
  const [kind, key] = matchKeyOf(m);
  const sources = await sourcesOf(em, m);
  const active = sources.filter((s) => s.active);
  const counts = [active.length, new Set(active.map((s) => s.origin_node)).size] as const;
  const found = await query<{ pk: string }>(em, SQL.FIND_ALERT_SQL, [kind, key]);
  let pk = found[0]?.pk;
  let createdId: string | null = null;
  if (pk === undefined) {
    if (!qualifies(m, active)) return null;
    createdId = uuidv7();
    const [a, b] = m.kind === 'near' ? [m.a, m.b].sort() : [null, null];
    const fields =
      m.kind === 'exact'
        ? [m.type, m.qualifier, m.value, null, null, null]
        : m.kind === 'pseudonym'
          ? [m.type, '', null, null, m.pseudonym, null]
          : ['image-hash', '', a, b, null, m.distance];
    const inserted = await query<{ pk: string }>(em, SQL.INSERT_ALERT_SQL, [createdId, kind, key, ...fields, counts[0], counts[1]]);
    pk = String(inserted[0]!.pk);
  }
  const rows = sources.map((s) => ({
    pk: s.pk,
    origin_node: s.origin_node,
    origin_id: s.origin_id,
    via_node: s.via_node,
    version: s.version,
    tlp: s.tlp,
    pseudonym_only: s.pseudonym_only,
    first_seen: toIso(s.first_seen),
    last_seen: toIso(s.last_seen),
    active: s.active,
  }));
  const upserted = rows.length > 0 ? await query(em, SQL.UPSERT_SOURCES_SQL, [pk, JSON.stringify(rows)]) : [];
  const retired = await query(em, SQL.RETIRE_SOURCES_SQL, [pk, `{${sources.map((s) => s.pk).join(',')}}`]);
  if (!createdId) await query(em, SQL.UPDATE_ALERT_SQL, [counts[0], counts[1], pk, upserted.length + retired.length > 0, counts[0], counts[1]]);
  if (createdId) {
    await appendAudit(em, [
      {
        actor: null,
        action: 'alert.created',
        subjectType: 'alert',
        subjectId: createdId,
        details: { kind, type: m.kind === 'near' ? 'image-hash' : m.type, sources: counts[0], nodes: [...new Set(active.map((s) => s.origin_node))].sort(), ...(m.kind === 'near' ? { distance: m.distance } : {}) },
      },
    ]);
  }
  return createdId;
}

async function withSources(em: EntityManager, rows: Record<string, unknown>[]): Promise<AlertRecord[]> {
  if (rows.length === 0) return [];
  const sources = await query<Record<string, unknown>>(em, SQL.SOURCES_OF_SQL, [`{${rows.map((r) => String(r.pk)).join(',')}}`]);
  const byAlert = new Map<string, AlertSource[]>();
  for (const s of sources) {
    const list = byAlert.get(String(s.alert_pk)) ?? [];
    list.push({
      origin: s.origin_node as string,
      indicatorId: s.origin_id as string,
      via: s.via_node as string,
      version: Number(s.version),
      tlp: s.tlp as Tlp,
      pseudonymOnly: Boolean(s.pseudonym_only),
      firstSeen: toIso(s.first_seen as Date),
      lastSeen: toIso(s.last_seen as Date),
      active: Boolean(s.active),
      addedAt: toIso(s.added_at as Date),
    });
    byAlert.set(String(s.alert_pk), list);
  }
  return rows.map((r) => ({
    id: r.id as string,
    kind: r.kind as AlertKind,
    type: r.type as string,
    value: (r.value as string | null) ?? null,
    nearValue: (r.near_value as string | null) ?? null,
    pseudonym: (r.pseudonym as string | null) ?? null,
    distance: r.distance == null ? null : Number(r.distance),
    state: r.state as AlertState,
    sourceCount: Number(r.source_count),
    nodeCount: Number(r.node_count),
    createdAt: toIso(r.created_at as Date),
    updatedAt: toIso(r.updated_at as Date),
    sources: byAlert.get(String(r.pk)) ?? [],
  }));
}
