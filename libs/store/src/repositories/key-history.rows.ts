// Row shapes of the key history tables (node_key, partner_key, key_statement) and their mappers.
import { toIso, toIsoOrNull, toNumberOrNull } from '../sql.helper';

/** Why a key stopped signing (after RFC 4880): only `key-compromise` means someone else may hold it. */
export type KeyRevocationReason = 'key-compromise' | 'superseded' | 'retired';

/** One of this node's keys, current or past. */
export interface OwnKeyRecord {
  fingerprint: string;
  nodeId: string;
  armoredPublicKey: string;
  active: boolean;
  createdAt: string;
  retiredAt: string | null;
  successor: string | null;
  revokedAt: string | null;
  compromisedAt: string | null;
  revocationReason: KeyRevocationReason | null;
}

/** One key ever pinned for a partner: the current pin has supersededAt null. */
export interface PartnerKeyRecord {
  nodeId: string;
  fingerprint: string;
  armoredPublicKey: string;
  pinnedAt: string;
  pinnedBy: 'pin' | 'card' | 'rotation';
  supersededAt: string | null;
  successor: string | null;
  revokedAt: string | null;
  compromisedAt: string | null;
  revocationReason: KeyRevocationReason | null;
}

/** A key statement, own (out) or received (in). */
export interface KeyStatementRecord {
  id: string;
  direction: 'out' | 'in';
  nodeId: string;
  kind: 'rotation' | 'revocation' | 'unknown';
  statementHash: string;
  status: 'pending' | 'published' | 'accepted' | 'refused';
  code: string | null;
  message: string | null;
  streamSeq: number | null;
  createdAt: string;
  publishedAt: string | null;
  attempts: number;
}

/** An own statement waiting for the key stream. */
export interface PendingKeyStatement {
  id: string;
  statementHash: string;
  bytes: Uint8Array;
  attempts: number;
}

/** A statement's canonical bytes with their SHA-256 (its Nats-Msg-Id). */
export interface StatementBytes {
  hash: string;
  bytes: Uint8Array;
}

export const OWN_COLUMNS = `fingerprint, node_id, armored_public_key, active, created_at, retired_at, successor, revoked_at, compromised_at, revocation_reason`;
export const PARTNER_COLUMNS = `node_id, fingerprint, armored_public_key, pinned_at, pinned_by, superseded_at, successor, revoked_at, compromised_at, revocation_reason`;
export const STATEMENT_COLUMNS = `id::text as id, direction, node_id, kind, statement_hash, status, code, message, stream_seq, created_at, published_at, attempts`;

export function toOwn(r: Record<string, unknown>): OwnKeyRecord {
  return {
    fingerprint: r.fingerprint as string,
    nodeId: r.node_id as string,
    armoredPublicKey: r.armored_public_key as string,
    active: r.active as boolean,
    createdAt: toIso(r.created_at as Date),
    retiredAt: toIsoOrNull(r.retired_at as Date | null),
    successor: (r.successor as string | null) ?? null,
    revokedAt: toIsoOrNull(r.revoked_at as Date | null),
    compromisedAt: toIsoOrNull(r.compromised_at as Date | null),
    revocationReason: (r.revocation_reason as KeyRevocationReason | null) ?? null,
  };
}

export function toPartnerKey(r: Record<string, unknown>): PartnerKeyRecord {
  return {
    nodeId: r.node_id as string,
    fingerprint: r.fingerprint as string,
    armoredPublicKey: r.armored_public_key as string,
    pinnedAt: toIso(r.pinned_at as Date),
    pinnedBy: r.pinned_by as PartnerKeyRecord['pinnedBy'],
    supersededAt: toIsoOrNull(r.superseded_at as Date | null),
    successor: (r.successor as string | null) ?? null,
    revokedAt: toIsoOrNull(r.revoked_at as Date | null),
    compromisedAt: toIsoOrNull(r.compromised_at as Date | null),
    revocationReason: (r.revocation_reason as KeyRevocationReason | null) ?? null,
  };
}

export function toStatement(r: Record<string, unknown>): KeyStatementRecord {
  return {
    id: r.id as string,
    direction: r.direction as 'out' | 'in',
    nodeId: r.node_id as string,
    kind: r.kind as KeyStatementRecord['kind'],
    statementHash: r.statement_hash as string,
    status: r.status as KeyStatementRecord['status'],
    code: (r.code as string | null) ?? null,
    message: (r.message as string | null) ?? null,
    streamSeq: toNumberOrNull(r.stream_seq as number | null),
    createdAt: toIso(r.created_at as Date),
    publishedAt: toIsoOrNull(r.published_at as Date | null),
    attempts: Number(r.attempts),
  };
}
