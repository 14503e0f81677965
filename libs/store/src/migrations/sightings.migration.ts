import { Migration } from '@mikro-orm/migrations';

/**
 * Local sightings ("seen here too", issue 5 item 3, local half). Same rules as the other
 * migrations: one statement per addSql, no question-mark characters, the same DDL on PostgreSQL
 * 15+ and PGlite.
 */
export class Migration20261130000100Sightings extends Migration {
  override async up(): Promise<void> {
    for (const sql of STATEMENTS) this.addSql(sql);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists sighting`);
  }
}

const STATEMENTS = [
  // The indicator's origin and id are copied so that an export names the indicator without a join,
  // and the foreign key cascades: when retention purges an imported indicator (or a rejected newer
  // version drops it), what this node saw of it goes too, never left pointing at nothing.
  `create table sighting (
    id uuid primary key,
    indicator_pk bigint not null references indicator (pk) on delete cascade,
    indicator_origin text not null,
    indicator_origin_id text not null,
    sighted_by text not null check (sighted_by ~ '^[a-z][a-z0-9-]{1,31}$'),
    count integer not null check (count between 1 and 1000000),
    first_seen timestamptz not null,
    last_seen timestamptz not null,
    note text check (char_length(note) <= 4096),
    created_by_token uuid,
    created_by_name text,
    created_at timestamptz not null,
    constraint sighting_seen_order check (last_seen >= first_seen)
  )`,
  // Keyset paging of the export (oldest first) and of one indicator's sightings (newest first).
  `create index sighting_created on sighting (created_at, id)`,
  `create index sighting_indicator on sighting (indicator_pk, created_at, id)`,
];
