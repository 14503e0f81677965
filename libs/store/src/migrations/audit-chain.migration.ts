import { Migration } from '@mikro-orm/migrations';
import type { EntityManager } from '@mikro-orm/postgresql';
import { auditEntryHash } from '../repositories/audit.chain';
import { toAuditChainFields, type AuditRow } from '../repositories/audit.rows';
import { query } from '../sql.helper';

/**
 * Hash-chains the audit log (issue 4 item 7): seq/prev_hash/hash on every entry, a head row that
 * appends lock, signed checkpoints, and triggers that refuse UPDATE, DELETE and TRUNCATE.
 *
 * Entries written before this migration are chained HERE, in id order, in the migration's
 * transaction: the hash is defined in TypeScript (audit.chain.ts), so the statements run one by one
 * through `query` instead of addSql (which would run only after up() returns). Same DDL on
 * PostgreSQL 15+ and PGlite.
 */
export class Migration20261130000400AuditChain extends Migration {
  override async up(): Promise<void> {
    const em = this.getEntityManager() as unknown as EntityManager;
    for (const sql of BEFORE_CHAINING) await query(em, sql);
    const head = await chainExisting(em);
    await query(em, `insert into audit_head (id, seq, hash) values (1, ${head.seq}, ${head.hash === null ? 'null' : `'${head.hash}'`})`);
    for (const sql of AFTER_CHAINING) await query(em, sql);
  }

  override async down(): Promise<void> {
    for (const sql of DOWN) this.addSql(sql);
  }
}

const HEX64 = `~ '^[0-9a-f]{64}$'`;
const BATCH = 1000;

const BEFORE_CHAINING = [
  `alter table audit_event add column seq bigint`,
  `alter table audit_event add column prev_hash text`,
  `alter table audit_event add column hash text`,
  // The old trigger also refused the one-time UPDATE below; it comes back, stricter, afterwards.
  `drop trigger audit_event_no_change on audit_event`,
  // One row: the newest entry. Appends lock it FOR UPDATE, so entries get seq in commit order.
  `create table audit_head (
    id smallint primary key check (id = 1),
    seq bigint not null check (seq >= 0),
    hash text check (hash ${HEX64}),
    constraint audit_head_empty check ((seq = 0) = (hash is null))
  )`,
];

const CHAIN_SQL = `
  update audit_event set seq = x.seq, prev_hash = x.prev_hash, hash = x.hash
  from json_to_recordset(?::text::json) as x(id bigint, seq bigint, prev_hash text, hash text)
  where audit_event.id = x.id`;

/** Chains the entries that exist (oldest first by id, their insertion order) and returns the head. */
async function chainExisting(em: EntityManager): Promise<{ seq: number; hash: string | null }> {
  let seq = 0;
  let prev: string | null = null;
  let afterId = '0';
  for (;;) {
    const rows = await query<AuditRow & { id: string }>(
      em,
      `select id::text as id, at, actor_token, actor_name, action, subject_type, subject_id, details
       from audit_event where id > ?::bigint order by id limit ${BATCH}`,
      [afterId],
    );
    if (rows.length === 0) return { seq, hash: prev };
    const updates = rows.map((row) => {
      seq += 1;
      const hash = auditEntryHash(toAuditChainFields({ ...row, seq, prev_hash: prev }));
      const update = { id: row.id, seq, prev_hash: prev, hash };
      prev = hash;
      return update;
    });
    await query(em, CHAIN_SQL, [JSON.stringify(updates)]);
    afterId = rows[rows.length - 1]!.id;
  }
}

const AFTER_CHAINING = [
  `alter table audit_event alter column seq set not null`,
  `alter table audit_event alter column hash set not null`,
  `alter table audit_event add constraint audit_event_seq_positive check (seq >= 1)`,
  `alter table audit_event add constraint audit_event_hash_hex check (hash ${HEX64})`,
  `alter table audit_event add constraint audit_event_prev check ((seq = 1) = (prev_hash is null))`,
  `create unique index audit_event_seq on audit_event (seq)`,
  `create trigger audit_event_no_change before update or delete on audit_event
    for each row execute function audit_event_append_only()`,
  `create trigger audit_event_no_truncate before truncate on audit_event
    for each statement execute function audit_event_append_only()`,
  // The head only moves forward (a superuser who disables triggers can still move it: that is what
  // the signed checkpoints are for).
  `create function audit_head_forward_only() returns trigger language plpgsql as $$
    begin
      if tg_op <> 'UPDATE' or new.seq < old.seq or new.id <> old.id then
        raise exception 'audit_head only moves forward' using errcode = 'P0001';
      end if;
      return new;
    end
  $$`,
  `create trigger audit_head_forward before update or delete on audit_head
    for each row execute function audit_head_forward_only()`,
  `create trigger audit_head_no_truncate before truncate on audit_head
    for each statement execute function audit_head_forward_only()`,

  // Signed statements {spec, node, seq, hash, at} over the log up to seq.
  `create table audit_checkpoint (
    id bigint generated always as identity primary key,
    node text not null,
    seq bigint not null check (seq >= 1),
    hash text not null check (hash ${HEX64}),
    at timestamptz not null,
    signer text not null,
    signature text not null
  )`,
  `create index audit_checkpoint_seq on audit_checkpoint (seq, id)`,
  `create function audit_checkpoint_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_checkpoint is append-only' using errcode = 'P0001';
    end
  $$`,
  `create trigger audit_checkpoint_no_change before update or delete on audit_checkpoint
    for each row execute function audit_checkpoint_append_only()`,
  `create trigger audit_checkpoint_no_truncate before truncate on audit_checkpoint
    for each statement execute function audit_checkpoint_append_only()`,
];

const DOWN = [
  `drop table if exists audit_checkpoint`,
  `drop function if exists audit_checkpoint_append_only()`,
  `drop table if exists audit_head`,
  `drop function if exists audit_head_forward_only()`,
  `drop trigger if exists audit_event_no_truncate on audit_event`,
  `drop index if exists audit_event_seq`,
  `alter table audit_event drop constraint if exists audit_event_prev`,
  `alter table audit_event drop constraint if exists audit_event_hash_hex`,
  `alter table audit_event drop constraint if exists audit_event_seq_positive`,
  `alter table audit_event drop column if exists hash`,
  `alter table audit_event drop column if exists prev_hash`,
  `alter table audit_event drop column if exists seq`,
];
