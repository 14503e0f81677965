import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, type IndicatorType, type Tlp } from '@palermo/indicators';
import { decodeCursor, toPage } from '../cursor.helper';
import { checkLimit, isUuid, query, toIso } from '../sql.helper';
import type { Page } from '../store.types';
import type { ActorRef } from '../governance.types';
import { appendAudit, checkActor } from './audit.repository';
import * as SQL from './alert.sql';
import { Repository } from './repository.base';
import { matchKeyOf, matchOfRow, recompute, type MatchRow } from './alert.recompute';
import type { AlertFilter, AlertKind, AlertMatch, AlertRecord, AlertSource, AlertState, ChangedIndicator, CorrelationPage } from './alert.types';

import { ALERT_KINDS } from './alert.types';

export type { AlertFilter, AlertKind, AlertMatch, AlertRecord, AlertSource, AlertState, ChangedIndicator, CorrelationPage } from './alert.types';
export { ALERT_KINDS };

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
