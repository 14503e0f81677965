import { Migration } from '@mikro-orm/migrations';

/**
 * Hit/no-hit lookups (issue 5 item 4): the responder's PRF tables, one per OPRF key epoch. Same rules
 * as the other migrations: one statement per addSql, no question-mark characters, the same DDL on
 * PostgreSQL and PGlite. The OPRF keys themselves are NOT here: they live in the data dir beside the
 * node key (apps/node/src/lookups/lookup.keys.ts), so a database dump cannot evaluate anything.
 */
export class Migration20261206000600Lookups extends Migration {
  override async up(): Promise<void> {
    for (const sql of STATEMENTS) this.addSql(sql);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists lookup_entry`);
    this.addSql(`drop table if exists lookup_epoch`);
  }
}

const STATEMENTS = [
  // building: its table is being filled; active: it answers lookups (at most one); retired: replaced —
  // its table is kept for the match window after retired_at, so a request evaluated with the old key
  // just before the switch still gets its match answered, then dropped.
  // built_seq is the indicator change_seq up to which the table is complete (change_seq order is
  // commit order, see the Taxii migration), so the builder resumes where it stopped.
  `create table lookup_epoch (
    epoch integer primary key check (epoch >= 1),
    state text not null check (state in ('building', 'active', 'retired')),
    built_seq bigint not null default 0,
    created_at timestamptz not null default now(),
    activated_at timestamptz,
    retired_at timestamptz
  )`,
  `create unique index lookup_epoch_one_active on lookup_epoch ((state)) where state = 'active'`,
  // One row per lookup-eligible indicator and epoch; the output is the PRF of the indicator's own
  // natural key, never of anything a querier sent (a missed output is never written anywhere).
  `create table lookup_entry (
    epoch integer not null references lookup_epoch (epoch) on delete cascade,
    indicator_pk bigint not null references indicator (pk) on delete cascade,
    prf_output text not null check (prf_output ~ '^[0-9a-f]{128}$'),
    primary key (epoch, indicator_pk)
  )`,
  `create index lookup_entry_output on lookup_entry (epoch, prf_output)`,
  `create index lookup_entry_indicator on lookup_entry (indicator_pk)`,
];
