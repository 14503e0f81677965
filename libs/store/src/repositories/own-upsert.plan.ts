import { DomainError, newIndicatorId } from '@palermo/indicators';
import type { IndicatorInput, UpsertOwnResult } from '../store.types';

/** The mutable attributes of an own indicator, as written (dates as ISO 8601 UTC strings). */
interface OwnState {
  tlp: string;
  confidence: number;
  tags: string[];
  first_seen: string;
  last_seen: string;
  valid_until: string | null;
  description: string | null;
}

/** An active own indicator that shares a natural key with an input item (column names, like the plan's output). */
export interface ExistingOwn extends OwnState {
  pk: string;
  origin_id: string;
  type: string;
  value: string;
  platform: string | null;
  chain: string | null;
  version: number;
}

/** A row to insert (snake_case: it becomes a json_to_recordset record). */
export interface OwnInsert extends OwnState {
  id: string;
  type: string;
  value: string;
  platform: string | null;
  chain: string | null;
  modified_at: string;
}

/** A row to update to a new version. */
export interface OwnUpdate extends OwnState {
  pk: string;
  version: number;
  modified_at: string;
}

/** What one upsertOwn batch will write, and what it reports per item (input order). */
export interface OwnUpsertPlan {
  inserts: OwnInsert[];
  updates: OwnUpdate[];
  results: UpsertOwnResult[];
}

/** Identity of a value across nodes: (type, platform|chain, value). */
export function ownNaturalKey(item: { type: string; value: string; platform?: string | null; chain?: string | null }) {
  return [item.type, item.platform ?? '', item.chain ?? '', item.value].join('\u0000');
}

/**
 * Decides per item: created (new natural key), updated (some attribute changed: version + 1) or
 * unchanged. Merge rules for an existing indicator: tlp, confidence and tags are replaced (the
 * submission states them); firstSeen only moves earlier and lastSeen only later (a sighting
 * widens the window); validUntil and description are replaced only when given.
 */
export function planOwnUpsert(items: readonly IndicatorInput[], existing: readonly ExistingOwn[], now: string): OwnUpsertPlan {
  const byKey = new Map(existing.map((row) => [ownNaturalKey(row), row]));
  const seen = new Map<string, number>();
  const plan: OwnUpsertPlan = { inserts: [], updates: [], results: [] };
  items.forEach((item, index) => {
    const key = ownNaturalKey(item);
    const first = seen.get(key);
    if (first !== undefined) {
      throw new DomainError('DUPLICATE_IN_BATCH', `items ${first} and ${index} are the same indicator`, { index, first });
    }
    seen.set(key, index);
    const current = byKey.get(key);
    if (!current) {
      const insert = newOwn(item, now);
      plan.inserts.push(insert);
      plan.results.push({ id: insert.id, version: 1, status: 'created' });
      return;
    }
    const next = mergeOwn(current, item);
    if (sameState(current, next)) {
      plan.results.push({ id: current.origin_id, version: current.version, status: 'unchanged' });
      return;
    }
    const version = current.version + 1;
    plan.updates.push({ ...next, pk: current.pk, version, modified_at: now });
    plan.results.push({ id: current.origin_id, version, status: 'updated' });
  });
  return plan;
}

function newOwn(item: IndicatorInput, now: string): OwnInsert {
  // A missing date is filled from the other one, then from "now": a report is a sighting.
  const firstSeen = iso(item.firstSeen ?? item.lastSeen ?? now);
  const lastSeen = iso(item.lastSeen ?? item.firstSeen ?? now);
  return {
    id: newIndicatorId(),
    type: item.type,
    value: item.value,
    platform: item.platform ?? null,
    chain: item.chain ?? null,
    tlp: item.tlp,
    confidence: item.confidence,
    tags: sortedTags(item.tags),
    first_seen: firstSeen,
    last_seen: lastSeen,
    valid_until: item.validUntil === undefined ? null : iso(item.validUntil),
    description: item.description ?? null,
    modified_at: now,
  };
}

function mergeOwn(current: ExistingOwn, item: IndicatorInput): OwnState {
  const firstSeen = item.firstSeen === undefined ? current.first_seen : minIso(current.first_seen, iso(item.firstSeen));
  const lastSeen = item.lastSeen === undefined ? current.last_seen : maxIso(current.last_seen, iso(item.lastSeen));
  return {
    tlp: item.tlp,
    confidence: item.confidence,
    tags: sortedTags(item.tags),
    first_seen: firstSeen,
    last_seen: lastSeen,
    valid_until: item.validUntil === undefined ? current.valid_until : iso(item.validUntil),
    description: item.description ?? current.description,
  };
}

function sameState(current: ExistingOwn, next: OwnState): boolean {
  return (
    current.tlp === next.tlp &&
    current.confidence === next.confidence &&
    current.tags.length === next.tags.length &&
    current.tags.every((tag, i) => tag === next.tags[i]) &&
    current.first_seen === next.first_seen &&
    current.last_seen === next.last_seen &&
    current.valid_until === next.valid_until &&
    current.description === next.description
  );
}

function sortedTags(tags: readonly string[]): string[] {
  return [...new Set(tags)].sort();
}

/** Re-serializes an ISO date so that equal instants compare equal as strings. */
function iso(value: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new DomainError('INVALID_DATE', `not a date: ${value.slice(0, 40)}`);
  return date.toISOString();
}

function minIso(a: string, b: string): string {
  return a <= b ? a : b;
}

function maxIso(a: string, b: string): string {
  return a >= b ? a : b;
}
