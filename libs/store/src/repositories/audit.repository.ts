import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from '@palermo/indicators';
import { decodeCursor, toPage } from '../cursor.helper';
import { AuditCheckpointEntity } from '../entities/audit-checkpoint.entity';
import { AuditEventEntity } from '../entities/audit-event.entity';
import { AuditHeadEntity } from '../entities/audit-head.entity';
import { checkLimit, isUuid, query } from '../sql.helper';
import { storableJson, storableText } from '../storable.helper';
import type { ActorRef, AuditCheckpointRecord, AuditEntryFilter, AuditEventInput, AuditEventRecord, AuditFilter } from '../governance.types';
import { auditEntryHash } from './audit.chain';
import { toActor, toAuditChainFields } from './audit.rows';
import type { Page } from '../store.types';
import { Repository } from './repository.base';

// Appends serialize on the head row: the lock is held until the caller's transaction commits, so
// seq is gapless and follows commit order. Callers append last in their transaction (after their
// own locks), so no lock is ever taken while holding the head: no deadlock with other writers.
const LOCK_HEAD_SQL = `select seq::text as seq, hash from audit_head where id = 1 for update`;

// One statement for any number of entries (a data-modifying CTE always runs) plus the head move.
const APPEND_SQL = `
  with inserted as (
    insert into audit_event (at, actor_token, actor_name, action, subject_type, subject_id, details, seq, prev_hash, hash)
    select x.at, x.actor_token, x.actor_name, x.action, x.subject_type, x.subject_id, x.details, x.seq, x.prev_hash, x.hash
    from json_to_recordset(?::text::json) as x(at timestamptz, actor_token uuid, actor_name text, action text,
      subject_type text, subject_id text, details jsonb, seq bigint, prev_hash text, hash text)
    order by x.seq
    returning 1
  )
  update audit_head set seq = ?::bigint, hash = ? where id = 1 and (select count(*) from inserted) = ?::integer
  returning seq`;

// Lengths the log keeps of each text field (a filter is cut the same way, so it finds what was kept).
const MAX = { name: 200, action: 100, subjectType: 100, subjectId: 200 } as const;

/** Refuses an actor whose token id is not a uuid (API token ids are), before it reaches SQL. */
export function checkActor(actor: ActorRef | null): void {
  if (actor !== null && (typeof actor.tokenId !== 'string' || !isUuid(actor.tokenId) || typeof actor.name !== 'string')) {
    throw new DomainError('INVALID_ACTOR', 'an actor is an API token id (uuid) and its name');
  }
}

/**
 * Appends audit events inside the caller's transaction (`em` must be transactional): the change and
 * its audit entries commit together or not at all. Each entry is hash-chained to the one before it
 * (audit.chain.ts). Call it LAST in the transaction: it locks the log's head until the commit.
 * Hostile text is made storable, never refused.
 */
export async function appendAudit(em: EntityManager, events: readonly AuditEventInput[]): Promise<void> {
  if (events.length === 0) return;
  for (const event of events) checkActor(event.actor);
  // Made storable (and cut) before hashing: the hash covers what is stored, as it reads back.
  const at = new Date().toISOString();
  const fields = events.map((e) => ({
    at,
    actor_token: e.actor ? e.actor.tokenId.toLowerCase() : null,
    actor_name: e.actor ? storableText(e.actor.name, MAX.name) : null,
    action: storableText(e.action, MAX.action),
    subject_type: storableText(e.subjectType, MAX.subjectType),
    subject_id: storableText(e.subjectId, MAX.subjectId),
    // Parsed back so that the row set carries an object, not a string, into the jsonb column.
    details: JSON.parse(storableJson(e.details ?? {})) as unknown,
  }));
  const [head] = await query<{ seq: string; hash: string | null }>(em, LOCK_HEAD_SQL);
  if (!head) throw new Error('audit_head has no row: the AuditChain migration has not run');
  let seq = Number(head.seq);
  let prev = head.hash;
  const rows = fields.map((f) => {
    seq += 1;
    const hash = auditEntryHash(toAuditChainFields({ ...f, seq, prev_hash: prev }));
    const row = { ...f, seq, prev_hash: prev, hash };
    prev = hash;
    return row;
  });
  const moved = await query(em, APPEND_SQL, [JSON.stringify(rows), seq, prev, rows.length]);
  if (moved.length !== 1) throw new Error('audit append did not move the head');
}

// A checkpoint vouches only for an entry that exists with that hash (nothing else can be signed into it).
const ADD_CHECKPOINT_SQL = `
  insert into audit_checkpoint (node, seq, hash, at, signer, signature)
  select ?, ?::bigint, ?, ?::timestamptz, ?, ?
  where exists (select 1 from audit_event where seq = ?::bigint and hash = ?)
  returning id`;

/** The append-only, hash-chained audit log: exports, imports, quarantine, keys, partners, tokens, agreements, policy, retention. */
export class AuditRepository extends Repository {
  /** Appends events in their own transaction (changes made elsewhere append inside theirs). */
  async append(events: AuditEventInput | readonly AuditEventInput[]): Promise<void> {
    const list = Array.isArray(events) ? (events as readonly AuditEventInput[]) : [events as AuditEventInput];
    await this.transaction((em) => appendAudit(em, list));
  }

  /** Events newest first, exact-match filters, keyset-paginated. */
  async list(filter: AuditFilter = {}): Promise<Page<AuditEventRecord>> {
    const limit = checkLimit(filter.limit ?? 100);
    const where = textFilters(filter);
    if (filter.cursor !== undefined) where.seq = { $lt: Number(decodeCursor(filter.cursor)) };
    const rows = await this.fork().find(AuditEventEntity, where, { orderBy: { seq: 'desc' }, limit: limit + 1 });
    return toPage(rows, limit, (row) => String(row.seq), toAuditEventRecord);
  }

  /** Entries oldest first by seq (the chain's order), exact-match filters, keyset-paginated. */
  async entries(filter: AuditEntryFilter = {}): Promise<Page<AuditEventRecord>> {
    const limit = checkLimit(filter.limit ?? 100);
    const where = textFilters(filter);
    if (filter.actor !== undefined) {
      if (!isUuid(filter.actor)) return { items: [], nextCursor: null };
      where.actorToken = filter.actor.toLowerCase();
    }
    if (filter.cursor !== undefined) where.seq = { $gt: Number(decodeCursor(filter.cursor)) };
    const rows = await this.fork().find(AuditEventEntity, where, { orderBy: { seq: 'asc' }, limit: limit + 1 });
    return toPage(rows, limit, (row) => String(row.seq), toAuditEventRecord);
  }

  /** Every event about one subject, oldest first (a subject's history is short). */
  async forSubject(subjectType: string, subjectId: string): Promise<AuditEventRecord[]> {
    return subjectHistory(this.fork(), storableText(subjectType, MAX.subjectType), storableText(subjectId, MAX.subjectId));
  }

  /** The newest committed entry: seq 0 and hash null while the log is empty. */
  async head(): Promise<{ seq: number; hash: string | null }> {
    const row = await this.fork().findOne(AuditHeadEntity, { id: 1 });
    return { seq: row?.seq ?? 0, hash: row?.hash ?? null };
  }

  /**
   * Stores a signed checkpoint (signature made by the caller over auditCheckpointBytes). Refused
   * with AUDIT_CHECKPOINT_UNKNOWN_ENTRY unless the log holds an entry at `seq` with that hash.
   */
  async addCheckpoint(checkpoint: AuditCheckpointRecord): Promise<AuditCheckpointRecord> {
    const { node, seq, hash, at, signer, signature } = checkpoint;
    const rows = await this.transaction((em) => query(em, ADD_CHECKPOINT_SQL, [node, seq, hash, at, signer, signature, seq, hash]));
    if (rows.length === 0) throw new DomainError('AUDIT_CHECKPOINT_UNKNOWN_ENTRY', `the audit log has no entry ${seq} with hash ${hash}`);
    return checkpoint;
  }

  /** Checkpoints oldest first, keyset-paginated. */
  async checkpoints(filter: { cursor?: string; limit?: number } = {}): Promise<Page<AuditCheckpointRecord>> {
    const limit = checkLimit(filter.limit ?? 100);
    const where: FilterQuery<AuditCheckpointEntity> = filter.cursor === undefined ? {} : { id: { $gt: decodeCursor(filter.cursor) } };
    const rows = await this.fork().find(AuditCheckpointEntity, where, { orderBy: { id: 'asc' }, limit: limit + 1 });
    return toPage(rows, limit, (row) => row.id, toCheckpointRecord);
  }

  /** The newest checkpoint, or null before the first. */
  async latestCheckpoint(): Promise<AuditCheckpointRecord | null> {
    const [row] = await this.fork().find(AuditCheckpointEntity, {}, { orderBy: { id: 'desc' }, limit: 1 });
    return row ? toCheckpointRecord(row) : null;
  }
}

/** Filters are made storable like the stored text, so a hostile id finds what was stored for it. */
function textFilters(filter: { subjectType?: string; subjectId?: string; action?: string }): FilterQuery<AuditEventEntity> & Record<string, unknown> {
  const where: Record<string, unknown> = {};
  if (filter.subjectType !== undefined) where.subjectType = storableText(filter.subjectType, MAX.subjectType);
  if (filter.subjectId !== undefined) where.subjectId = storableText(filter.subjectId, MAX.subjectId);
  if (filter.action !== undefined) where.action = storableText(filter.action, MAX.action);
  return where;
}

/** Every event about one subject, oldest first. */
export async function subjectHistory(em: EntityManager, subjectType: string, subjectId: string): Promise<AuditEventRecord[]> {
  const rows = await em.find(AuditEventEntity, { subjectType, subjectId }, { orderBy: { seq: 'asc' } });
  return rows.map(toAuditEventRecord);
}

/** An audit row as its public record. */
export function toAuditEventRecord(row: AuditEventEntity): AuditEventRecord {
  return {
    id: row.id,
    seq: Number(row.seq),
    at: row.at.toISOString(),
    actor: toActor(row.actorToken, row.actorName),
    action: row.action,
    subjectType: row.subjectType,
    subjectId: row.subjectId,
    details: row.details,
    prevHash: row.prevHash,
    hash: row.hash,
  };
}

function toCheckpointRecord(row: AuditCheckpointEntity): AuditCheckpointRecord {
  return { node: row.node, seq: Number(row.seq), hash: row.hash, at: row.at.toISOString(), signer: row.signer, signature: row.signature };
}
