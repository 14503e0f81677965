import type { EntityManager } from '@mikro-orm/postgresql';
import type { WireIndicator } from '@palermo/indicators';
import { checkLimit, query } from '../sql.helper';
import { toWireIndicator, wireDate, type WireIndicatorRow } from './indicator.mapper';
import { Repository } from './repository.base';
import {
  ADVANCE_REFS_SQL,
  AUDIENCE_POSITIONS_SQL,
  CHAIN_BUNDLES_SQL,
  INSERT_REFS_SQL,
  LAST_SHARED_SQL,
  LOCAL_BY_KEYS_SQL,
  LOCAL_PAGE_SQL,
  LOCAL_WITHHELD_SQL,
  REFS_SQL,
  REF_BATCH,
  REF_STATE_SQL,
  UNMAPPED_SQL,
  VERSION_BOUNDS_SQL,
} from './taxii.sql';

/**
 * One indicator version as a TAXII collection serves it: where it sits in the collection's order
 * (`position`, opaque to callers), when it was added there (TAXII's date_added, non-decreasing with
 * the position), and the indicator as this node holds it (or, for an audience, as it was sent).
 */
export interface CollectionEntry {
  position: CollectionPosition;
  addedAt: string;
  indicator: WireIndicator;
  /** Set on a revoked indicator: when (the version's `modified`) and why. */
  revoked: { at: string; reason: string } | null;
}

/**
 * Where a collection page starts after: `local` pages by the indicator change sequence, an audience
 * by (bundle seq, entry index) along that chain.
 */
export type CollectionPosition = { kind: 'local'; seq: string } | { kind: 'audience'; seq: number; index: number };

/** Asks for one page of a collection; `addedAfter` is TAXII's added_after (ISO, exclusive). */
export interface CollectionPageQuery {
  after: CollectionPosition | null;
  addedAfter?: string;
  limit: number;
}

export interface CollectionPage {
  entries: CollectionEntry[];
  /** True when more entries exist after the last one returned (at the time of the read). */
  more: boolean;
}

const EPOCH = '1970-01-01T00:00:00.000Z';
const BUNDLES_PER_READ = 16;

interface LocalRow extends WireIndicatorRow {
  change_seq: string;
  changed_at: string;
  revoked_at: Date | string | null;
  revoke_reason: string | null;
}

type Entry = { op: 'upsert'; indicator: WireIndicator } | { op: 'revoke'; id: string; reason: string };
interface ChainRow {
  seq: number;
  hash: string;
  stored_at: string;
  bytes: Uint8Array | null;
  offset_micros: number;
}

/** Reads for the TAXII 2.1 collections and the STIX export: keyset pages in commit order. */
export class TaxiiRepository extends Repository {
  /**
   * Everything this node holds with a value (own and imported, revoked ones as revoked), one row per
   * current version, in commit order. A version committed while a client pages lands after its cursor.
   */
  async localPage(q: CollectionPageQuery): Promise<CollectionPage> {
    const limit = checkLimit(q.limit, 10_000);
    const after = q.after?.kind === 'local' ? q.after.seq : '0';
    const addedAfter = q.addedAfter ?? EPOCH;
    const rows = await query<LocalRow>(this.fork(), LOCAL_PAGE_SQL, [after, addedAfter, addedAfter, limit + 1]);
    return { entries: rows.slice(0, limit).map(toLocalEntry), more: rows.length > limit };
  }

  /**
   * The local collection restricted to the indicators whose STIX ids are given (TAXII match[id],
   * objects/{id}/): looked up, not scanned. `stixIdOf` names an indicator as libs/interop does; the
   * id map is brought up to date first (once per new or changed row).
   */
  async localByStixIds(stixIds: readonly string[], stixIdOf: (origin: string, originId: string) => string, q: CollectionPageQuery): Promise<CollectionPage> {
    const limit = checkLimit(q.limit, 10_000);
    await this.mapStixIds(stixIdOf);
    const keys = await query<{ origin_node: string; origin_id: string }>(this.fork(), REFS_SQL, [JSON.stringify([...new Set(stixIds)])]);
    if (keys.length === 0) return { entries: [], more: false };
    const after = q.after?.kind === 'local' ? q.after.seq : '0';
    const rows = await query<LocalRow>(this.fork(), LOCAL_BY_KEYS_SQL, [JSON.stringify(keys), after, q.addedAfter ?? EPOCH, limit + 1]);
    return { entries: rows.slice(0, limit).map(toLocalEntry), more: rows.length > limit };
  }

  private mapStixIds(stixIdOf: (origin: string, originId: string) => string): Promise<void> {
    return this.transaction(async (em) => {
      const [state] = await query<{ mapped_seq: string }>(em, REF_STATE_SQL);
      let mapped = state?.mapped_seq ?? '0';
      for (;;) {
        const rows = await query<{ change_seq: string; origin_node: string; origin_id: string }>(em, UNMAPPED_SQL, [mapped, REF_BATCH]);
        if (rows.length === 0) break;
        const refs = rows.map((r) => ({ stix_id: stixIdOf(r.origin_node, r.origin_id), origin_node: r.origin_node, origin_id: r.origin_id }));
        await query(em, INSERT_REFS_SQL, [JSON.stringify(refs)]);
        mapped = rows[rows.length - 1]!.change_seq;
      }
      await query(em, ADVANCE_REFS_SQL, [mapped]);
    });
  }

  /** How many indicators changed after `since` are held only as a pseudonym (left out of every export). */
  async pseudonymOnlyCount(since?: string): Promise<number> {
    const [row] = await query<{ n: number }>(this.fork(), LOCAL_WITHHELD_SQL, [since ?? EPOCH]);
    return Number(row?.n ?? 0);
  }

  /**
   * What this node sent on one of its chains (`audience` = a partner node id or `all`), entry by
   * entry in chain order: the truth of what left. A revocation entry is served as the last version
   * that audience was sent, revoked; one for an indicator the audience never received is skipped.
   */
  async audiencePage(publisher: string, audience: string, q: CollectionPageQuery): Promise<CollectionPage> {
    const limit = checkLimit(q.limit, 10_000);
    const em = this.fork();
    let cursor = q.after?.kind === 'audience' ? q.after : { seq: 1, index: -1 };
    const entries: CollectionEntry[] = [];
    for (;;) {
      const bundles = await query<ChainRow>(em, CHAIN_BUNDLES_SQL, [
        publisher, audience, cursor.seq, q.addedAfter ?? EPOCH, publisher, audience, BUNDLES_PER_READ,
      ]);
      for (const bundle of bundles) {
        const parsed = parseBundle(bundle);
        const first = bundle.seq === cursor.seq ? cursor.index + 1 : 0;
        for (let index = first; index < parsed.entries.length; index++) {
          const addedAt = addMicros(bundle.stored_at, Number(bundle.offset_micros) + index);
          if (q.addedAfter !== undefined && addedAt <= microIso(q.addedAfter)) continue;
          if (entries.length === limit) return { entries, more: true };
          const entry = await toCollectionEntry(em, audience, parsed, parsed.entries[index]!, addedAt);
          cursor = { seq: bundle.seq, index };
          if (entry) entries.push({ ...entry, position: { kind: 'audience', seq: bundle.seq, index } });
        }
        cursor = { seq: bundle.seq + 1, index: -1 };
      }
      if (bundles.length < BUNDLES_PER_READ) return { entries, more: false };
    }
  }

  /**
   * An audience collection restricted to the indicators whose STIX ids are given: their entries are
   * found through the export decisions that placed them on the chain, not by scanning it.
   */
  async audienceByStixIds(publisher: string, audience: string, stixIds: readonly string[], stixIdOf: (origin: string, originId: string) => string, q: CollectionPageQuery): Promise<CollectionPage> {
    const limit = checkLimit(q.limit, 10_000);
    await this.mapStixIds(stixIdOf);
    const em = this.fork();
    const keys = await query<{ origin_node: string; origin_id: string }>(em, REFS_SQL, [JSON.stringify([...new Set(stixIds)])]);
    const originIds = keys.filter((k) => k.origin_node === publisher).map((k) => k.origin_id);
    if (originIds.length === 0) return { entries: [], more: false };
    let from = q.after?.kind === 'audience' ? { seq: q.after.seq, index: q.after.index } : { seq: 0, index: -1 };
    // Positions may be skipped (added_after, a revocation the audience never had a version for), so
    // they are read in batches until `limit` entries plus one are found or the chain ends: `more` is
    // then exact however many positions the indicators have (no silent cap).
    const batch = limit + 1;
    const entries: CollectionEntry[] = [];
    const bundles = new Map<number, { row: ChainRow; parsed: ReturnType<typeof parseBundle> }>();
    for (;;) {
      const positions = await query<{ seq: number; entry_index: number }>(em, AUDIENCE_POSITIONS_SQL, [
        audience, publisher, audience, publisher, audience, JSON.stringify(originIds), from.seq, from.seq, from.index, batch,
      ]);
      for (const p of positions) {
        const seq = Number(p.seq);
        const index = Number(p.entry_index);
        from = { seq, index };
        if (!bundles.has(seq)) {
          if (bundles.size >= 64) bundles.clear(); // bounded: positions come in chain order
          const [row] = await query<ChainRow>(em, CHAIN_BUNDLES_SQL, [publisher, audience, seq, EPOCH, publisher, audience, 1]);
          if (!row || Number(row.seq) !== seq) continue;
          bundles.set(seq, { row, parsed: parseBundle(row) });
        }
        const { row, parsed } = bundles.get(seq)!;
        const addedAt = addMicros(row.stored_at, Number(row.offset_micros) + index);
        if (q.addedAfter !== undefined && addedAt <= microIso(q.addedAfter)) continue;
        const entry = parsed.entries[index] ? await toCollectionEntry(em, audience, parsed, parsed.entries[index]!, addedAt) : null;
        if (!entry) continue;
        if (entries.length === limit) return { entries, more: true };
        entries.push({ ...entry, position: { kind: 'audience', seq, index } });
      }
      if (positions.length < batch) return { entries, more: false };
    }
  }

  /** For each of `originIds` sent on the chain (publisher → audience): its first and last entry. */
  async audienceVersionBounds(publisher: string, audience: string, originIds: readonly string[]): Promise<Map<string, VersionBounds>> {
    const bounds = new Map<string, VersionBounds>();
    if (originIds.length === 0) return bounds;
    const rows = await query<{ origin_id: string; seq: number; entry_index: number }>(this.fork(), VERSION_BOUNDS_SQL, [
      audience, publisher, audience, JSON.stringify([...new Set(originIds)]),
    ]);
    const before = (a: { seq: number; index: number }, b: { seq: number; index: number }) => a.seq < b.seq || (a.seq === b.seq && a.index < b.index);
    for (const row of rows) {
      const at = { seq: Number(row.seq), index: Number(row.entry_index) };
      const known = bounds.get(row.origin_id);
      if (!known) bounds.set(row.origin_id, { first: at, last: at });
      else {
        if (before(at, known.first)) known.first = at;
        if (before(known.last, at)) known.last = at;
      }
    }
    return bounds;
  }
}

function toLocalEntry(row: LocalRow): CollectionEntry {
  return {
    position: { kind: 'local', seq: row.change_seq },
    addedAt: row.changed_at,
    indicator: toWireIndicator(row),
    revoked: row.revoked_at === null ? null : { at: wireDate(row.revoked_at), reason: row.revoke_reason ?? '' },
  };
}

/** The first and last entry of one indicator on a chain. */
export interface VersionBounds {
  first: { seq: number; index: number };
  last: { seq: number; index: number };
}

function parseBundle(row: { bytes: Uint8Array | null; hash: string }): { createdAt: string; entries: Entry[] } {
  // Outbound bundles always keep their bytes (they are what this node signed and may re-publish).
  if (!row.bytes) throw new Error(`outbound bundle ${row.hash} has no bytes`);
  return JSON.parse(Buffer.from(row.bytes).toString('utf8')) as { createdAt: string; entries: Entry[] };
}

async function toCollectionEntry(
  em: EntityManager,
  audience: string,
  bundle: { createdAt: string },
  entry: Entry,
  addedAt: string,
): Promise<Omit<CollectionEntry, 'position'> | null> {
  if (entry.op === 'upsert') return { addedAt, indicator: entry.indicator, revoked: null };
  const [shared] = await query<{ entry_index: number; bytes: Uint8Array | null; bundle_hash: string }>(em, LAST_SHARED_SQL, [audience, entry.id]);
  if (!shared) return null;
  const sent = parseBundle({ bytes: shared.bytes, hash: shared.bundle_hash }).entries[shared.entry_index];
  if (sent?.op !== 'upsert') return null;
  return { addedAt, indicator: sent.indicator, revoked: { at: bundle.createdAt, reason: entry.reason } };
}

/** An ISO instant with microseconds: a client's added_after (any precision) in date_added's form. */
export function microIso(value: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6})\d*)?Z$/.exec(value);
  if (m) return `${m[1]}.${(m[2] ?? '').padEnd(6, '0')}Z`;
  return new Date(value).toISOString().replace('Z', '000Z');
}

/** `iso` (microsecond form) plus `micros` microseconds. */
function addMicros(iso: string, micros: number): string {
  const total = BigInt(Date.parse(`${iso.slice(0, 23)}Z`)) * 1000n + BigInt(iso.slice(23, 26)) + BigInt(micros);
  const ms = new Date(Number(total / 1000n)).toISOString().slice(0, 23);
  return `${ms}${String(total % 1000n).padStart(3, '0')}Z`;
}
