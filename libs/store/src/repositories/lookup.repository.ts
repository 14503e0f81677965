import { DomainError } from '@palermo/indicators';
import { checkLimit, query, toIso, toIsoOrNull } from '../sql.helper';
import { Repository } from './repository.base';

/** One OPRF key epoch of this node's lookup table. */
export interface LookupEpochRecord {
  epoch: number;
  /** building: table being filled; active: answers lookups; retired: replaced by a newer epoch. */
  state: 'building' | 'active' | 'retired';
  /** The indicator change_seq up to which the table is complete (a decimal string: int8). */
  builtSeq: string;
  createdAt: string;
  activatedAt: string | null;
}

/** An indicator as the table builder reads it, in change_seq (= commit) order. */
export interface LookupSource {
  pk: string;
  changeSeq: string;
  type: string;
  value: string;
  platform: string | null;
  chain: string | null;
}

/** One page of changed indicators: the eligible ones to (re)compute, the rest to drop from the table. */
export interface LookupSourcePage {
  eligible: LookupSource[];
  /** pks of indicators changed in this page that are not (or no longer) lookup-eligible. */
  ineligible: string[];
  /** change_seq of the last indicator of the page; null when nothing changed after `afterSeq`. */
  lastSeq: string | null;
}

/** How far an epoch's table is built. */
export interface LookupTableProgress {
  epoch: number;
  state: LookupEpochRecord['state'];
  builtSeq: string;
  headSeq: string;
  entries: number;
}

// Lookup-eligible: a value this node holds in clear (own, or an accepted import — never a
// pseudonym-only row, whose value this node does not have), not revoked, not past validUntil, not
// past its retention. Kept in one place: the builder, the match and the sweep all use it.
const ELIGIBLE = `i.value is not null and i.revoked_at is null
  and (i.valid_until is null or i.valid_until > ?::timestamptz) and (i.expires_at is null or i.expires_at > ?::timestamptz)`;

const EPOCHS_SQL = `select epoch, state, built_seq::text as built_seq, created_at, activated_at from lookup_epoch where state <> 'retired' order by epoch`;
const SOURCE_SQL = `select i.pk::text as pk, i.change_seq::text as change_seq, i.type, i.value, i.platform, i.chain, (${ELIGIBLE}) as eligible
  from indicator i where i.change_seq > ?::bigint order by i.change_seq asc limit ?`;
const UPSERT_SQL = `insert into lookup_entry (epoch, indicator_pk, prf_output)
  select ?::integer, x.pk::bigint, x.out from json_to_recordset(?::text::json) as x(pk text, out text)
  where exists (select 1 from indicator i where i.pk = x.pk::bigint)
  on conflict (epoch, indicator_pk) do update set prf_output = excluded.prf_output`;
const REMOVE_SQL = `delete from lookup_entry where epoch = ?::integer and indicator_pk in (select x.pk::bigint from json_to_recordset(?::text::json) as x(pk text))`;
const ADVANCE_SQL = `update lookup_epoch set built_seq = greatest(built_seq, ?::bigint) where epoch = ?::integer`;
const MATCH_SQL = `select i.pk::text as pk, i.origin_node, i.origin_id from lookup_entry e join indicator i on i.pk = e.indicator_pk
  where e.epoch = ?::integer and e.prf_output = ? and ${ELIGIBLE} order by i.own desc, i.pk asc limit 1`;
const SWEEP_SQL = `delete from lookup_entry e using indicator i where e.indicator_pk = i.pk and not (${ELIGIBLE})`;
const PROGRESS_SQL = `select l.epoch, l.state, l.built_seq::text as built_seq,
  coalesce((select max(change_seq) from indicator), 0)::text as head_seq,
  (select count(*) from lookup_entry e where e.epoch = l.epoch)::integer as entries
  from lookup_epoch l where l.state <> 'retired' order by l.epoch`;

/**
 * The responder's PRF tables (one per OPRF key epoch): what the background builder fills, what a
 * match looks up. Holds only outputs of this node's own indicator values, never anything a querier sent.
 */
export class LookupRepository extends Repository {
  /** Epochs that are building or active, oldest first. */
  async epochs(): Promise<LookupEpochRecord[]> {
    const rows = await query<EpochRow>(this.fork(), EPOCHS_SQL);
    return rows.map(toEpoch);
  }

  /** Starts epoch max+1 in state `building`; throws LOOKUP_ROTATION_IN_PROGRESS while another one is building. */
  startEpoch(): Promise<LookupEpochRecord> {
    return this.transaction(async (em) => {
      await query(em, `lock table lookup_epoch in exclusive mode`);
      const [building] = await query<{ epoch: number }>(em, `select epoch from lookup_epoch where state = 'building'`);
      if (building) throw new DomainError('LOOKUP_ROTATION_IN_PROGRESS', `epoch ${building.epoch} is still being built; rotate again when it is active`);
      const [row] = await query<EpochRow>(
        em,
        `insert into lookup_epoch (epoch, state) select coalesce(max(epoch), 0) + 1, 'building' from lookup_epoch
         returning epoch, state, built_seq::text as built_seq, created_at, activated_at`,
      );
      return toEpoch(row!);
    });
  }

  /** Indicators changed after `afterSeq`, in commit order, split into eligible and no-longer-eligible. */
  async sourcePage(afterSeq: string, limit: number, now: Date = new Date()): Promise<LookupSourcePage> {
    const at = now.toISOString();
    const rows = await query<SourceRow>(this.fork(), SOURCE_SQL, [at, at, afterSeq, checkLimit(limit, 10_000)]);
    const eligible: LookupSource[] = [];
    const ineligible: string[] = [];
    for (const r of rows) {
      if (r.eligible && r.value !== null) eligible.push({ pk: r.pk, changeSeq: r.change_seq, type: r.type, value: r.value, platform: r.platform, chain: r.chain });
      else ineligible.push(r.pk);
    }
    return { eligible, ineligible, lastSeq: rows.length ? rows[rows.length - 1]!.change_seq : null };
  }

  /** Writes one computed page into `epoch`'s table and moves its watermark to `builtSeq`, in one transaction. */
  applyPage(epoch: number, entries: readonly { pk: string; prfOutput: string }[], removed: readonly string[], builtSeq: string): Promise<void> {
    return this.transaction(async (em) => {
      if (entries.length) await query(em, UPSERT_SQL, [epoch, JSON.stringify(entries.map((e) => ({ pk: e.pk, out: e.prfOutput })))]);
      if (removed.length) await query(em, REMOVE_SQL, [epoch, JSON.stringify(removed.map((pk) => ({ pk })))]);
      await query(em, ADVANCE_SQL, [builtSeq, epoch]);
    });
  }

  /**
   * Makes `epoch` the one that answers; the previous active epoch is retired. Its table stays until
   * dropRetired: matches of requests it evaluated just before the switch are still answered.
   */
  activate(epoch: number): Promise<void> {
    return this.transaction(async (em) => {
      await query(em, `update lookup_epoch set state = 'retired', retired_at = now() where state = 'active' and epoch <> ?::integer`, [epoch]);
      await query(em, `update lookup_epoch set state = 'active', activated_at = now() where epoch = ?::integer`, [epoch]);
    });
  }

  /** Drops the tables of epochs retired before `before` (after the match window); the epochs that are now without a table, and the rows dropped. */
  dropRetired(before: Date): Promise<{ epochs: number[]; rows: number }> {
    return this.transaction(async (em) => {
      const epochs = await query<{ epoch: number }>(em, `select epoch from lookup_epoch where state = 'retired' and retired_at < ?::timestamptz order by epoch`, [before.toISOString()]);
      if (epochs.length === 0) return { epochs: [], rows: 0 };
      const list = JSON.stringify(epochs.map((e) => ({ epoch: Number(e.epoch) })));
      const rows = await query<unknown>(em, `delete from lookup_entry where epoch in (select x.epoch from json_to_recordset(?::text::json) as x(epoch integer)) returning 1`, [list]);
      return { epochs: epochs.map((e) => Number(e.epoch)), rows: rows.length };
    });
  }

  /** The indicator whose PRF output in `epoch` is `prfOutput` and that is still eligible now, as (origin, id) and its pk; else null. */
  async match(epoch: number, prfOutput: string, now: Date = new Date()): Promise<{ pk: string; originNode: string; originId: string } | null> {
    const at = now.toISOString();
    const [row] = await query<{ pk: string; origin_node: string; origin_id: string }>(this.fork(), MATCH_SQL, [epoch, prfOutput, at, at]);
    return row ? { pk: row.pk, originNode: row.origin_node, originId: row.origin_id } : null;
  }

  /** Drops entries of indicators that expired (validUntil, retention) without a change of their row; the number dropped. */
  async sweep(now: Date = new Date()): Promise<number> {
    const at = now.toISOString();
    const rows = await query<unknown>(this.fork(), `${SWEEP_SQL} returning 1`, [at, at]);
    return rows.length;
  }

  /** Per building or active epoch: its watermark, the indicators' head change_seq and its entry count. */
  async progress(): Promise<LookupTableProgress[]> {
    const rows = await query<{ epoch: number; state: LookupEpochRecord['state']; built_seq: string; head_seq: string; entries: number }>(this.fork(), PROGRESS_SQL);
    return rows.map((r) => ({ epoch: Number(r.epoch), state: r.state, builtSeq: r.built_seq, headSeq: r.head_seq, entries: Number(r.entries) }));
  }
}

interface EpochRow {
  epoch: number;
  state: LookupEpochRecord['state'];
  built_seq: string;
  created_at: Date | string;
  activated_at: Date | string | null;
}

interface SourceRow {
  pk: string;
  change_seq: string;
  type: string;
  value: string | null;
  platform: string | null;
  chain: string | null;
  eligible: boolean;
}

function toEpoch(r: EpochRow): LookupEpochRecord {
  return { epoch: Number(r.epoch), state: r.state, builtSeq: r.built_seq, createdAt: toIso(r.created_at), activatedAt: toIsoOrNull(r.activated_at) };
}
