// How one alert is recomputed from the indicator table (the correlator's write path), apart from
// the repository that pages and reads alerts.
import type { EntityManager } from '@mikro-orm/postgresql';
import { naturalKey, type IndicatorType, type Tlp } from '@palermo/indicators';
import { v7 as uuidv7 } from 'uuid';
import { query, toIso } from '../sql.helper';
import { appendAudit } from './audit.repository';
import * as SQL from './alert.sql';
import type { AlertKind, AlertMatch } from './alert.types';

export interface SourceRow {
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

export interface MatchRow {
  kind: AlertKind;
  type: string;
  qualifier: string;
  value: string | null;
  near_value: string | null;
  pseudonym: string | null;
  distance: number | null;
}

/** (kind, match_key) of a match: the natural key, the type and pseudonym, or the ordered hash pair. */
export function matchKeyOf(m: AlertMatch): [AlertKind, string] {
  if (m.kind === 'exact') {
    const parts = { type: m.type, value: m.value, ...(m.type === 'username' ? { platform: m.qualifier } : {}), ...(m.type === 'crypto-wallet' ? { chain: m.qualifier } : {}) };
    return ['exact', naturalKey(parts)];
  }
  if (m.kind === 'pseudonym') return ['pseudonym', `${m.type}:${m.pseudonym}`];
  const [a, b] = [m.a, m.b].sort();
  return ['near', `${a}|${b}`];
}

export function matchOfRow(row: MatchRow): AlertMatch {
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
export async function recompute(em: EntityManager, m: AlertMatch): Promise<string | null> {
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
