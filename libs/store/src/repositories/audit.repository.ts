import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from '@palermo/indicators';
import { decodeCursor, toPage } from '../cursor.helper';
import { AuditEventEntity } from '../entities/audit-event.entity';
import { checkLimit, isUuid, query } from '../sql.helper';
import { storableJson, storableText } from '../storable.helper';
import type { ActorRef, AuditEventInput, AuditEventRecord, AuditFilter } from '../governance.types';
import type { Page } from '../store.types';
import { Repository } from './repository.base';

// One statement for any number of events; `n` keeps their order in the identity (the log's order).
const APPEND_SQL = `
  insert into audit_event (actor_token, actor_name, action, subject_type, subject_id, details)
  select x.actor_token, x.actor_name, x.action, x.subject_type, x.subject_id, x.details
  from json_to_recordset(?::text::json) as x(n integer, actor_token uuid, actor_name text, action text,
    subject_type text, subject_id text, details jsonb)
  order by x.n`;

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
 * its audit entry commit together or not at all. Hostile text is made storable, never refused.
 */
export async function appendAudit(em: EntityManager, events: readonly AuditEventInput[]): Promise<void> {
  if (events.length === 0) return;
  for (const event of events) checkActor(event.actor);
  const rows = events.map((e, n) => ({
    n,
    actor_token: e.actor?.tokenId ?? null,
    actor_name: e.actor ? storableText(e.actor.name, MAX.name) : null,
    action: storableText(e.action, MAX.action),
    subject_type: storableText(e.subjectType, MAX.subjectType),
    subject_id: storableText(e.subjectId, MAX.subjectId),
    // Parsed back so that the row set carries an object, not a string, into the jsonb column.
    details: JSON.parse(storableJson(e.details ?? {})) as unknown,
  }));
  await query(em, APPEND_SQL, [JSON.stringify(rows)]);
}

/** The append-only audit log: who changed what (agreements, policy, retention). */
export class AuditRepository extends Repository {
  /** Appends events in their own transaction (changes made elsewhere append inside theirs). */
  async append(events: AuditEventInput | readonly AuditEventInput[]): Promise<void> {
    const list = Array.isArray(events) ? (events as readonly AuditEventInput[]) : [events as AuditEventInput];
    await this.transaction((em) => appendAudit(em, list));
  }

  /** Events newest first, exact-match filters, keyset-paginated. */
  async list(filter: AuditFilter = {}): Promise<Page<AuditEventRecord>> {
    const limit = checkLimit(filter.limit ?? 100);
    const where: FilterQuery<AuditEventEntity> = {};
    // Filters are made storable like the stored text, so a hostile id finds what was stored for it.
    if (filter.subjectType !== undefined) where.subjectType = storableText(filter.subjectType, MAX.subjectType);
    if (filter.subjectId !== undefined) where.subjectId = storableText(filter.subjectId, MAX.subjectId);
    if (filter.action !== undefined) where.action = storableText(filter.action, MAX.action);
    if (filter.cursor !== undefined) where.id = { $lt: decodeCursor(filter.cursor) };
    const rows = await this.fork().find(AuditEventEntity, where, { orderBy: { id: 'desc' }, limit: limit + 1 });
    return toPage(rows, limit, (row) => row.id, toAuditEventRecord);
  }

  /** Every event about one subject, oldest first (a subject's history is short). */
  async forSubject(subjectType: string, subjectId: string): Promise<AuditEventRecord[]> {
    return subjectHistory(this.fork(), storableText(subjectType, MAX.subjectType), storableText(subjectId, MAX.subjectId));
  }
}

/** Every event about one subject, oldest first. */
export async function subjectHistory(em: EntityManager, subjectType: string, subjectId: string): Promise<AuditEventRecord[]> {
  const rows = await em.find(AuditEventEntity, { subjectType, subjectId }, { orderBy: { id: 'asc' } });
  return rows.map(toAuditEventRecord);
}

/** An audit row as its public record. */
export function toAuditEventRecord(row: AuditEventEntity): AuditEventRecord {
  return {
    id: row.id,
    at: row.at.toISOString(),
    actor: row.actorToken === null && row.actorName === null ? null : { tokenId: row.actorToken ?? '', name: row.actorName ?? '' },
    action: row.action,
    subjectType: row.subjectType,
    subjectId: row.subjectId,
    details: row.details,
  };
}
