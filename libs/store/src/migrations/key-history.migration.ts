import { Migration } from '@mikro-orm/migrations';

/**
 * Key rotation and revocation (issue 4 item 2).
 * - node_key gains its history: a rotated key is retired (retired_at, successor), a revoked one
 *   says when and why (revoked_at, compromised_at, revocation_reason).
 * - partner_key: every key ever pinned for a partner; the current pin stays in partner. A key
 *   replaced by a verified rotation or a new card is superseded (superseded_at, successor); a
 *   verified revocation sets revoked_at / compromised_at / revocation_reason.
 * - key_statement: own rotation and revocation statements (direction 'out', an outbox: published_at
 *   stays null until the node's key stream acknowledged it) and every statement received from a
 *   partner (direction 'in', accepted or refused with its reason code), one row per statement hash.
 * Same DDL on PostgreSQL 15+ and PGlite; no question-mark characters.
 */
export class Migration20261206000300KeyHistory extends Migration {
  override async up(): Promise<void> {
    for (const sql of STATEMENTS) this.addSql(sql);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists key_statement`);
    this.addSql(`drop table if exists partner_key`);
    for (const column of ['retired_at', 'successor', 'revoked_at', 'compromised_at', 'revocation_reason']) this.addSql(`alter table node_key drop column if exists ${column}`);
  }
}

const FINGERPRINT = `~ '^[0-9a-f]{40,64}$'`;
const REASON = `in ('key-compromise', 'superseded', 'retired')`;

const STATEMENTS = [
  `alter table node_key add column retired_at timestamptz`,
  `alter table node_key add column successor text check (successor ${FINGERPRINT})`,
  `alter table node_key add column revoked_at timestamptz`,
  `alter table node_key add column compromised_at timestamptz`,
  `alter table node_key add column revocation_reason text check (revocation_reason ${REASON})`,
  `create table partner_key (
    node_id text not null,
    fingerprint text not null check (fingerprint ${FINGERPRINT}),
    armored_public_key text not null,
    pinned_at timestamptz not null default now(),
    pinned_by text not null check (pinned_by in ('pin', 'card', 'rotation')),
    superseded_at timestamptz,
    successor text check (successor ${FINGERPRINT}),
    revoked_at timestamptz,
    compromised_at timestamptz,
    revocation_reason text check (revocation_reason ${REASON}),
    primary key (node_id, fingerprint)
  )`,
  // The keys pinned before this migration become the first entry of each partner's history.
  `insert into partner_key (node_id, fingerprint, armored_public_key, pinned_at, pinned_by)
     select node_id, fingerprint, armored_public_key, created_at, 'pin' from partner`,
  `create table key_statement (
    id bigint generated always as identity primary key,
    direction text not null check (direction in ('out', 'in')),
    node_id text not null,
    kind text not null check (kind in ('rotation', 'revocation', 'unknown')),
    statement_hash text not null check (statement_hash ~ '^[0-9a-f]{64}$'),
    bytes bytea not null,
    status text not null check (status in ('pending', 'published', 'accepted', 'refused')),
    code text check (char_length(code) <= 64),
    message text check (char_length(message) <= 4096),
    stream_seq bigint,
    created_at timestamptz not null default now(),
    published_at timestamptz,
    attempts integer not null default 0,
    last_error text check (char_length(last_error) <= 1024),
    constraint key_statement_once unique (direction, node_id, statement_hash)
  )`,
  `create index key_statement_pending on key_statement (id) where direction = 'out' and published_at is null`,
];
