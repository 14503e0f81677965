import { Migration } from '@mikro-orm/migrations';

/**
 * STIX and MISP imports (issue 6): which foreign object became which own indicator, at which
 * version of that object. Same rules as the other migrations: one statement per addSql, no `?`,
 * the same DDL on PostgreSQL 15+ and PGlite.
 */
export class Migration20261130000200StixImport extends Migration {
  override async up(): Promise<void> {
    for (const sql of STATEMENTS) this.addSql(sql);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists stix_ref`);
  }
}

const STATEMENTS = [
  // One row per imported object: a STIX id (`source` 'stix') or a MISP attribute uuid ('misp').
  // `modified` is the newest version seen: an equal or older copy changes nothing. `revoked` stays
  // true once set, so an older copy of a revoked object never brings its indicator back.
  // `indicator_id` is the origin_id of the own indicator it maps to (null: revoked before any
  // version of it was imported). No foreign key: indicators are keyed by (origin_node, origin_id).
  `create table stix_ref (
    source text not null check (source in ('stix', 'misp')),
    ref_id text not null check (length(ref_id) between 1 and 200),
    modified timestamptz not null,
    indicator_id text,
    revoked boolean not null default false,
    context text,
    imported_at timestamptz not null default now(),
    imported_by_token uuid,
    imported_by_name text,
    primary key (source, ref_id)
  )`,
  // "Which STIX objects name this indicator?" (provenance, and the remap when a value changes).
  `create index stix_ref_indicator on stix_ref (indicator_id) where indicator_id is not null`,
];
