import { Migration } from '@mikro-orm/migrations';

/**
 * Signed receipts (issue 4 item 4). Two tables, one per side of the journey:
 * - receipt_outbox (recipient side): the signed receipt of every import decision, written in the
 *   import (or quarantine) transaction and published after commit; published_at stays null until the
 *   publisher's receipts stream acknowledged it, so a crash or NATS outage loses nothing.
 * - receipt (publisher side): receipts received and verified, one row per receipt hash (a duplicate
 *   delivery stores nothing). Same rules as the other migrations: one statement per addSql, no
 *   question-mark characters, the same DDL on PostgreSQL 15+ and PGlite.
 */
export class Migration20261130000500Receipts extends Migration {
  override async up(): Promise<void> {
    for (const sql of STATEMENTS) this.addSql(sql);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists receipt`);
    this.addSql(`drop table if exists receipt_outbox`);
  }
}

const NODE_ID = `~ '^[a-z][a-z0-9-]{1,31}$'`;
const HEX64 = `~ '^[0-9a-f]{64}$'`;

const STATEMENTS = [
  `create table receipt_outbox (
    id bigint generated always as identity primary key,
    publisher text not null check (publisher ${NODE_ID}),
    bundle_hash text not null check (bundle_hash ${HEX64}),
    outcome text not null check (outcome in ('imported', 'quarantined')),
    receipt_hash text not null unique check (receipt_hash ${HEX64}),
    bytes bytea not null,
    signature bytea not null,
    created_at timestamptz not null default now(),
    published_at timestamptz,
    attempts integer not null default 0,
    last_error text check (char_length(last_error) <= 1024)
  )`,
  // One receipt per bundle and outcome: a redelivered bundle does not make a second receipt.
  `create unique index receipt_outbox_bundle on receipt_outbox (publisher, bundle_hash, outcome)`,
  `create index receipt_outbox_pending on receipt_outbox (id) where published_at is null`,
  `create table receipt (
    id bigint generated always as identity primary key,
    recipient text not null check (recipient ${NODE_ID}),
    bundle_hash text not null check (bundle_hash ${HEX64}),
    audience text not null,
    seq bigint not null check (seq >= 1),
    outcome text not null check (outcome in ('imported', 'quarantined')),
    accepted integer not null check (accepted >= 0),
    pseudonymized integer not null check (pseudonymized >= 0),
    rejected integer not null check (rejected >= 0),
    quarantine_reason text check (char_length(quarantine_reason) <= 64),
    received_at timestamptz not null,
    stored_at timestamptz not null default now(),
    receipt_hash text not null unique check (receipt_hash ${HEX64}),
    bytes bytea not null,
    signature bytea not null,
    signer text not null
  )`,
  `create index receipt_bundle on receipt (bundle_hash, recipient, received_at)`,
  `create index receipt_recipient on receipt (recipient, audience, seq)`,
];
