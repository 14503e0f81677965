import { Migration } from '@mikro-orm/migrations';
import type { EntityManager } from '@mikro-orm/postgresql';
import { appendFeedLog } from '../repositories/feed-log.sql';
import { query } from '../sql.helper';

/**
 * The verifiable feed log (issue 4 item 6). Publisher side: feed_log (one leaf per outbound bundle
 * hash, in the order they were stored), feed_log_node (every perfect Merkle subtree, stored once when
 * it completes, so roots and proofs need O(log² n) rows), a head row that appends lock, the signed
 * checkpoints and the witnesses' countersignatures. Witness side: the last checkpoint verified per
 * publisher, which imported bundles are log-verified, and fork evidence. The log tables refuse
 * UPDATE, DELETE and TRUNCATE, as the audit chain does.
 *
 * Outbound bundles stored before this migration become the first leaves, in storing order, here in
 * the migration's transaction (the node hashes are computed in TypeScript, hence `query`).
 */
export class Migration20261206000400FeedLog extends Migration {
  override async up(): Promise<void> {
    const em = this.getEntityManager() as unknown as EntityManager;
    for (const sql of STATEMENTS) await query(em, sql);
    let after = '0';
    for (;;) {
      const rows = await query<{ pos: string; hash: string }>(em, `select pos::text as pos, hash from bundle where direction = 'out' and pos > ?::bigint order by pos limit ${BATCH}`, [after]);
      if (rows.length === 0) break;
      await appendFeedLog(em, rows.map((r) => r.hash));
      after = rows[rows.length - 1]!.pos;
    }
    for (const sql of TRIGGERS) await query(em, sql);
  }

  override async down(): Promise<void> {
    for (const sql of DOWN) this.addSql(sql);
  }
}

const BATCH = 1000;
const NODE_ID = `~ '^[a-z][a-z0-9-]{1,31}$'`;
const HEX64 = `~ '^[0-9a-f]{64}$'`;

const STATEMENTS = [
  `create table feed_log (
    leaf_index bigint primary key check (leaf_index >= 0),
    bundle_hash text not null unique check (bundle_hash ${HEX64}),
    appended_at timestamptz not null default now()
  )`,
  `create table feed_log_node (
    level smallint not null check (level between 0 and 62),
    idx bigint not null check (idx >= 0),
    hash text not null check (hash ${HEX64}),
    primary key (level, idx)
  )`,
  // One row: the number of leaves. Appends lock it, so leaves get indices in commit order.
  `create table feed_log_head (
    id smallint primary key check (id = 1),
    size bigint not null check (size >= 0)
  )`,
  `insert into feed_log_head (id, size) values (1, 0)`,
  // This node's signed checkpoints {checkpoint, signature}, published to its log stream; one per size.
  `create table log_checkpoint (
    id bigint generated always as identity primary key,
    tree_size bigint not null unique check (tree_size >= 0),
    root_hash text not null check (root_hash ${HEX64}),
    at timestamptz not null,
    signer text not null,
    signed jsonb not null,
    published_at timestamptz
  )`,
  `create index log_checkpoint_unpublished on log_checkpoint (id) where published_at is null`,
  // Countersignatures of this node's checkpoints, verified against the witness's pinned key; one per witness and checkpoint.
  `create table log_witness (
    id bigint generated always as identity primary key,
    checkpoint_id bigint not null references log_checkpoint (id),
    witness text not null check (witness ${NODE_ID}),
    signer text not null,
    at timestamptz not null,
    signed jsonb not null,
    received_at timestamptz not null default now(),
    unique (checkpoint_id, witness)
  )`,
  // Witness side: the newest checkpoint of each publisher this node verified, and whether the publisher forked.
  `create table log_partner (
    publisher text primary key check (publisher ${NODE_ID}),
    state text not null check (state in ('ok', 'forked')),
    tree_size bigint not null check (tree_size >= 0),
    root_hash text not null check (root_hash ${HEX64}),
    signed jsonb not null,
    verified_at timestamptz not null,
    forked_at timestamptz
  )`,
  // Imported bundles whose inclusion in their publisher's log was verified (a bundle without a row is not yet covered).
  `create table log_inclusion (
    bundle_hash text primary key check (bundle_hash ${HEX64}),
    publisher text not null check (publisher ${NODE_ID}),
    leaf_index bigint not null check (leaf_index >= 0),
    tree_size bigint not null check (tree_size > leaf_index),
    verified_at timestamptz not null default now()
  )`,
  // Evidence of a publisher that showed two histories (both signed checkpoints, the failed proof) or hid a bundle.
  `create table log_fork (
    id bigint generated always as identity primary key,
    publisher text not null check (publisher ${NODE_ID}),
    code text not null check (code in ('LOG_FORK', 'LOG_INCLUSION_FAILED')),
    reason text not null check (char_length(reason) <= 64),
    message text not null check (char_length(message) <= 4096),
    evidence jsonb not null,
    evidence_sha256 text not null check (evidence_sha256 ${HEX64}),
    detected_at timestamptz not null default now(),
    unique (publisher, evidence_sha256)
  )`,
  `create index log_fork_publisher on log_fork (publisher, id)`,
];

const TRIGGERS = [
  `create function feed_log_append_only() returns trigger language plpgsql as $$
    begin
      raise exception '% is append-only', tg_table_name using errcode = 'P0001';
    end
  $$`,
  // log_checkpoint is not among them: its published_at is set once JetStream acknowledged it.
  ...['feed_log', 'feed_log_node', 'log_fork'].flatMap((table) => [
    `create trigger ${table}_no_change before update or delete on ${table} for each row execute function feed_log_append_only()`,
    `create trigger ${table}_no_truncate before truncate on ${table} for each statement execute function feed_log_append_only()`,
  ]),
  `create function feed_log_head_forward_only() returns trigger language plpgsql as $$
    begin
      if tg_op <> 'UPDATE' or new.size < old.size or new.id <> old.id then
        raise exception 'feed_log_head only moves forward' using errcode = 'P0001';
      end if;
      return new;
    end
  $$`,
  `create trigger feed_log_head_forward before update or delete on feed_log_head for each row execute function feed_log_head_forward_only()`,
  `create trigger feed_log_head_no_truncate before truncate on feed_log_head for each statement execute function feed_log_head_forward_only()`,
];

const DOWN = [
  `drop table if exists log_fork`,
  `drop table if exists log_inclusion`,
  `drop table if exists log_partner`,
  `drop table if exists log_witness`,
  `drop table if exists log_checkpoint`,
  `drop table if exists feed_log_head`,
  `drop table if exists feed_log_node`,
  `drop table if exists feed_log`,
  `drop function if exists feed_log_head_forward_only()`,
  `drop function if exists feed_log_append_only()`,
];
