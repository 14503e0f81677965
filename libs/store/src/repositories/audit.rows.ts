import { toIso } from '../sql.helper';
import type { AuditChainFields } from './audit.chain';

/** An audit_event row as raw SQL returns it (either driver). */
export interface AuditRow {
  seq: number | string;
  at: Date | string;
  actor_token: string | null;
  actor_name: string | null;
  action: string;
  subject_type: string;
  subject_id: string;
  details: unknown;
  prev_hash: string | null;
  hash?: string;
}

/** The hashed fields of a row, exactly as the API serves them (the actor as the record names it). */
export function toAuditChainFields(row: AuditRow): AuditChainFields {
  return {
    seq: Number(row.seq),
    at: toIso(row.at),
    actor: toActor(row.actor_token, row.actor_name),
    action: row.action,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    details: row.details,
    prevHash: row.prev_hash,
  };
}

/** Null for the system; a token id (lower case, as PostgreSQL prints uuids) and a name otherwise. */
export function toActor(token: string | null, name: string | null): { tokenId: string; name: string } | null {
  return token === null && name === null ? null : { tokenId: (token ?? '').toLowerCase(), name: name ?? '' };
}
