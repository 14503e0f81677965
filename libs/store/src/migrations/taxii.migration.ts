import { Migration } from '@mikro-orm/migrations';

/**
 * TAXII 2.1 read API and partner-scoped tokens (issue 6 item 3). Same rules as the other
 * migrations: one statement per addSql, no `?` characters, the same DDL on PostgreSQL and PGlite.
 *
 * Paging must hand every indicator version out exactly once, including ones committed while a
 * client pages. A plain sequence does not give that: two writers take values 10 and 11, 11 commits
 * first, a reader pages past 11, then 10 appears behind its cursor. So every indicator write stamps
 * `change_seq` from a trigger that first takes one transaction-scoped advisory lock: a writer that
 * stamped a row holds the lock until it commits, the next writer stamps only after that commit,
 * and sequence order is commit order. `changed_at` (TAXII's date_added) is stamped under the same
 * lock, strictly increasing with `change_seq`, so `added_after` and `next` agree.
 */
export class Migration20261130000300Taxii extends Migration {
  override async up(): Promise<void> {
    for (const sql of STATEMENTS) this.addSql(sql);
  }

  override async down(): Promise<void> {
    for (const sql of DOWN) this.addSql(sql);
  }
}

const STATEMENTS = [
  // A partner token reads what its node was sent (TAXII/STIX read routes only); no other role names a partner.
  `alter table api_token add column partner text`,
  `alter table api_token add constraint api_token_partner_scope check (
    (role = 'partner') = (partner is not null) and (partner is null or (partner ~ '^[a-z][a-z0-9-]{1,31}$' and partner not in ('local', 'all'))))`,

  `create sequence indicator_change_seq`,
  `alter table indicator add column change_seq bigint`,
  `alter table indicator add column changed_at timestamptz`,
  // Rows from before this migration: in pk order (their insertion order), stamped with their last update.
  `update indicator set change_seq = s.n, changed_at = s.at
   from (select pk, row_number() over (order by pk) as n,
                updated_at + (row_number() over (order by pk)) * interval '1 microsecond' as at
         from indicator) s
   where indicator.pk = s.pk`,
  `select setval('indicator_change_seq', coalesce((select max(change_seq) from indicator), 0) + 1, false)`,
  `alter table indicator alter column change_seq set not null`,
  `alter table indicator alter column changed_at set not null`,
  `create unique index indicator_change_seq_unique on indicator (change_seq)`,
  // added_after finds where to start in one lookup (changed_at rises with change_seq).
  `create index indicator_changed_at on indicator (changed_at)`,

  // STIX object id → indicator, for TAXII lookups by id (STIX ids are uuid v5, which SQL cannot compute):
  // filled in change_seq order by the reader that needs it, up to the watermark in stix_object_ref_state.
  `create table stix_object_ref (
    stix_id text primary key,
    origin_node text not null,
    origin_id text not null
  )`,
  `create table stix_object_ref_state (
    id integer primary key check (id = 1),
    mapped_seq bigint not null
  )`,
  `insert into stix_object_ref_state (id, mapped_seq) values (1, 0)`,

  // The lock id continues the store's family (7362001 own writes, 7362002 chains, 7362004 policy).
  // The last stamp of this transaction rides in a transaction-local setting, so a 10,000-row batch
  // reads the previous writer's last stamp once, not once per row.
  `create function indicator_change_stamp() returns trigger language plpgsql as $$
    declare
      last_at timestamptz;
    begin
      perform pg_advisory_xact_lock(7362003);
      last_at := nullif(current_setting('palermo.indicator_changed_at', true), '')::timestamptz;
      if last_at is null then
        select i.changed_at into last_at from indicator i order by i.change_seq desc limit 1;
      end if;
      new.change_seq := nextval('indicator_change_seq');
      new.changed_at := greatest(clock_timestamp(), coalesce(last_at, '-infinity'::timestamptz) + interval '1 microsecond');
      perform set_config('palermo.indicator_changed_at', new.changed_at::text, true);
      return new;
    end
  $$`,
  // Only writes that change what a reader sees: the exporter's exported_version bookkeeping does not move a row.
  `create trigger indicator_change_stamp_insert before insert on indicator
    for each row execute function indicator_change_stamp()`,
  `create trigger indicator_change_stamp_update before update of type, value, pseudonym, platform, chain, tlp,
    confidence, tags, first_seen, last_seen, valid_until, description, version, modified_at, revoked_at, revoke_reason
    on indicator for each row execute function indicator_change_stamp()`,
];

const DOWN = [
  `drop table if exists stix_object_ref_state`,
  `drop table if exists stix_object_ref`,
  `drop trigger if exists indicator_change_stamp_update on indicator`,
  `drop trigger if exists indicator_change_stamp_insert on indicator`,
  `drop function if exists indicator_change_stamp()`,
  `drop index if exists indicator_changed_at`,
  `drop index if exists indicator_change_seq_unique`,
  `alter table indicator drop column if exists changed_at`,
  `alter table indicator drop column if exists change_seq`,
  `drop sequence if exists indicator_change_seq`,
  `alter table api_token drop constraint if exists api_token_partner_scope`,
  `alter table api_token drop column if exists partner`,
];
