import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ActorRef } from '../governance.types';
import { bytesParam, query } from '../sql.helper';
import { storableText } from '../storable.helper';
import { appendAudit, checkActor } from './audit.repository';
import { OWN_COLUMNS, PARTNER_COLUMNS, STATEMENT_COLUMNS, toOwn, toPartnerKey, toStatement, type KeyRevocationReason, type KeyStatementRecord, type OwnKeyRecord, type PartnerKeyRecord, type PendingKeyStatement, type StatementBytes } from './key-history.rows';
import { Repository } from './repository.base';

export type { KeyRevocationReason, KeyStatementRecord, OwnKeyRecord, PartnerKeyRecord, PendingKeyStatement, StatementBytes };

const INSERT_STATEMENT_SQL = `
  insert into key_statement (direction, node_id, kind, statement_hash, bytes, status, code, message, stream_seq)
  values (?, ?, ?, ?, ?, ?, ?, ?, ?)
  on conflict (direction, node_id, statement_hash) do nothing
  returning id::text as id`;

/**
 * Key history on both sides (issue 4 item 2): this node's rotations and revocations with their
 * statements in an outbox, and every key pinned for a partner with its supersession or revocation.
 * Each change commits with its statement row and its audit entry.
 */
export class KeyHistoryRepository extends Repository {
  /** Every key this node has had, oldest first. */
  async ownKeys(): Promise<OwnKeyRecord[]> {
    return (await query<Record<string, unknown>>(this.fork(), `select ${OWN_COLUMNS} from node_key order by created_at, fingerprint`)).map(toOwn);
  }

  /** Retires the active key for `next` and queues the rotation statement, in one transaction. */
  async rotateOwn(input: { nodeId: string; oldFingerprint: string; newFingerprint: string; newArmoredPublicKey: string; at: Date; statement: StatementBytes; actor: ActorRef | null }): Promise<{ statementId: string }> {
    checkActor(input.actor);
    return this.transaction(async (em) => {
      const retired = await query<{ fingerprint: string }>(
        em,
        `update node_key set active = false, retired_at = ?, successor = ? where fingerprint = ? and active returning fingerprint`,
        [input.at, input.newFingerprint, input.oldFingerprint],
      );
      if (retired.length !== 1) throw new Error(`key ${input.oldFingerprint} is not this node's active key`);
      await query(em, `insert into node_key (fingerprint, node_id, armored_public_key, active, created_at) values (?, ?, ?, true, ?)`, [input.newFingerprint, input.nodeId, input.newArmoredPublicKey, input.at]);
      const id = await insertStatement(em, { direction: 'out', nodeId: input.nodeId, kind: 'rotation', statement: input.statement, status: 'pending' });
      await appendAudit(em, [{ actor: input.actor, action: 'key.rotated', subjectType: 'node-key', subjectId: input.newFingerprint, details: { oldFingerprint: input.oldFingerprint, newFingerprint: input.newFingerprint, at: input.at.toISOString(), statementHash: input.statement.hash } }]);
      return { statementId: id! };
    });
  }

  /** Marks an own key revoked and queues the revocation statement, in one transaction. */
  async revokeOwn(input: { nodeId: string; fingerprint: string; reason: KeyRevocationReason; compromisedAt: Date; at: Date; signer: string; statement: StatementBytes; actor: ActorRef | null }): Promise<{ statementId: string }> {
    checkActor(input.actor);
    return this.transaction(async (em) => {
      const updated = await query<{ fingerprint: string }>(
        em,
        `update node_key set revoked_at = ?, compromised_at = ?, revocation_reason = ? where fingerprint = ? returning fingerprint`,
        [input.at, input.compromisedAt, input.reason, input.fingerprint],
      );
      if (updated.length !== 1) throw new Error(`key ${input.fingerprint} is not one of this node's keys`);
      const id = await insertStatement(em, { direction: 'out', nodeId: input.nodeId, kind: 'revocation', statement: input.statement, status: 'pending' });
      const details = { fingerprint: input.fingerprint, reason: input.reason, compromisedAt: input.compromisedAt.toISOString(), signer: input.signer, statementHash: input.statement.hash };
      await appendAudit(em, [{ actor: input.actor, action: 'key.revoked', subjectType: 'node-key', subjectId: input.fingerprint, details }]);
      return { statementId: id! };
    });
  }

  /** Own statements not yet acknowledged by the key stream, oldest first (order matters: a rotation before its revocation). */
  async pendingOut(limit = 100): Promise<PendingKeyStatement[]> {
    const rows = await query<{ id: string; statement_hash: string; bytes: Uint8Array; attempts: number }>(
      this.fork(),
      `select id::text as id, statement_hash, bytes, attempts from key_statement where direction = 'out' and published_at is null order by id limit ?`,
      [limit],
    );
    return rows.map((r) => ({ id: r.id, statementHash: r.statement_hash, bytes: new Uint8Array(r.bytes), attempts: r.attempts }));
  }

  /** Records that the key stream acknowledged an own statement. */
  async markPublished(id: string, streamSeq: number | null): Promise<void> {
    await query(this.fork(), `update key_statement set status = 'published', published_at = now(), stream_seq = ?, attempts = attempts + 1, last_error = null where id = ?`, [streamSeq, id]);
  }

  /** Records a failed publication attempt (retried later). */
  async markFailed(id: string, error: string): Promise<void> {
    await query(this.fork(), `update key_statement set attempts = attempts + 1, last_error = ? where id = ?`, [storableText(error, 1024), id]);
  }

  /** The bytes of this node's own statements of one kind, oldest first (rotations let a verifier follow the key history). */
  async ownStatementBytes(kind: 'rotation' | 'revocation'): Promise<Uint8Array[]> {
    const rows = await query<{ bytes: Uint8Array }>(this.fork(), `select bytes from key_statement where direction = 'out' and kind = ? order by id`, [kind]);
    return rows.map((r) => new Uint8Array(r.bytes));
  }

  /** Key statements, newest first (both directions, or one). */
  async statements(filter: { direction?: 'out' | 'in'; nodeId?: string; limit?: number } = {}): Promise<KeyStatementRecord[]> {
    const rows = await query<Record<string, unknown>>(
      this.fork(),
      `select ${STATEMENT_COLUMNS} from key_statement where (cast(? as text) is null or direction = ?) and (cast(? as text) is null or node_id = ?) order by id desc limit ?`,
      [filter.direction ?? null, filter.direction ?? null, filter.nodeId ?? null, filter.nodeId ?? null, Math.min(filter.limit ?? 100, 1000)],
    );
    return rows.map(toStatement);
  }

  /** A received statement already recorded under this hash, if any (redeliveries are idempotent). */
  async received(nodeId: string, statementHash: string): Promise<KeyStatementRecord | null> {
    const rows = await query<Record<string, unknown>>(this.fork(), `select ${STATEMENT_COLUMNS} from key_statement where direction = 'in' and node_id = ? and statement_hash = ?`, [nodeId, statementHash]);
    return rows[0] ? toStatement(rows[0]) : null;
  }

  /** Every key pinned for a partner, oldest first. */
  async partnerKeys(nodeId: string): Promise<PartnerKeyRecord[]> {
    return (await query<Record<string, unknown>>(this.fork(), `select ${PARTNER_COLUMNS} from partner_key where node_id = ? order by pinned_at, fingerprint`, [nodeId])).map(toPartnerKey);
  }

  /** One key of a partner's history, or null. */
  async partnerKey(nodeId: string, fingerprint: string): Promise<PartnerKeyRecord | null> {
    const rows = await query<Record<string, unknown>>(this.fork(), `select ${PARTNER_COLUMNS} from partner_key where node_id = ? and fingerprint = ?`, [nodeId, fingerprint]);
    return rows[0] ? toPartnerKey(rows[0]) : null;
  }

  /**
   * Pins a partner's new key through a verified rotation: the partner's pin moves, the old key is
   * superseded at the statement's time. 'stale' when the pin is no longer the rotated key (nothing changes).
   */
  async acceptRotation(input: { nodeId: string; oldFingerprint: string; newFingerprint: string; newArmoredPublicKey: string; at: Date; statement: StatementBytes; streamSeq: number | null }): Promise<'accepted' | 'duplicate' | 'stale'> {
    return this.transaction(async (em) => {
      const pinned = await query<{ fingerprint: string }>(em, `select fingerprint from partner where node_id = ? for update`, [input.nodeId]);
      if (await hasReceived(em, input.nodeId, input.statement.hash)) return 'duplicate';
      if (pinned[0]?.fingerprint !== input.oldFingerprint) return 'stale';
      await query(em, `update partner set fingerprint = ?, armored_public_key = ?, updated_at = now() where node_id = ?`, [input.newFingerprint, input.newArmoredPublicKey, input.nodeId]);
      await supersede(em, { nodeId: input.nodeId, oldFingerprint: input.oldFingerprint, newFingerprint: input.newFingerprint, newArmoredPublicKey: input.newArmoredPublicKey, at: input.at, pinnedBy: 'rotation' });
      await insertStatement(em, { direction: 'in', nodeId: input.nodeId, kind: 'rotation', statement: input.statement, status: 'accepted', streamSeq: input.streamSeq });
      const details = { oldFingerprint: input.oldFingerprint, newFingerprint: input.newFingerprint, at: input.at.toISOString(), statementHash: input.statement.hash };
      await appendAudit(em, [{ actor: null, action: 'partner.key-rotated', subjectType: 'partner', subjectId: input.nodeId, details }]);
      return 'accepted';
    });
  }

  /** Records a verified revocation of a partner's key (the earliest compromise time wins). */
  async acceptRevocation(input: { nodeId: string; fingerprint: string; reason: KeyRevocationReason; compromisedAt: Date; at: Date; signer: string; statement: StatementBytes; streamSeq: number | null }): Promise<'accepted' | 'duplicate'> {
    return this.transaction(async (em) => {
      await query(em, `select fingerprint from partner where node_id = ? for update`, [input.nodeId]);
      if (await hasReceived(em, input.nodeId, input.statement.hash)) return 'duplicate';
      await query(
        em,
        `update partner_key set revoked_at = coalesce(revoked_at, ?), revocation_reason = case when compromised_at is null or compromised_at > ? then ? else revocation_reason end,
           compromised_at = least(coalesce(compromised_at, ?), ?) where node_id = ? and fingerprint = ?`,
        [input.at, input.compromisedAt, input.reason, input.compromisedAt, input.compromisedAt, input.nodeId, input.fingerprint],
      );
      await insertStatement(em, { direction: 'in', nodeId: input.nodeId, kind: 'revocation', statement: input.statement, status: 'accepted', streamSeq: input.streamSeq });
      const details = { fingerprint: input.fingerprint, reason: input.reason, compromisedAt: input.compromisedAt.toISOString(), signer: input.signer, statementHash: input.statement.hash };
      await appendAudit(em, [{ actor: null, action: 'partner.key-revoked', subjectType: 'partner', subjectId: input.nodeId, details }]);
      return 'accepted';
    });
  }

  /** Records a refused statement with its reason (once per hash: a redelivery adds nothing). */
  async refuse(input: { nodeId: string; kind: 'rotation' | 'revocation' | 'unknown'; statement: StatementBytes; code: string; message: string; streamSeq: number | null }): Promise<{ duplicate: boolean }> {
    return this.transaction(async (em) => {
      const id = await insertStatement(em, { direction: 'in', nodeId: input.nodeId, kind: input.kind, statement: input.statement, status: 'refused', code: input.code, message: input.message, streamSeq: input.streamSeq });
      if (!id) return { duplicate: true };
      const details = { kind: input.kind, code: storableText(input.code, 64), message: storableText(input.message, 1024), statementHash: input.statement.hash, streamSeq: input.streamSeq };
      await appendAudit(em, [{ actor: null, action: 'partner.key-statement-refused', subjectType: 'partner', subjectId: input.nodeId, details }]);
      return { duplicate: false };
    });
  }
}

/**
 * Called by the partner repository in the transaction that pins a partner or changes its key (a new
 * card): the history gains the key, and a replaced key is superseded now.
 */
export async function recordPinnedKey(em: EntityManager, input: { nodeId: string; fingerprint: string; armoredPublicKey: string; previousFingerprint: string | null }): Promise<void> {
  if (input.previousFingerprint && input.previousFingerprint !== input.fingerprint) {
    await supersede(em, { nodeId: input.nodeId, oldFingerprint: input.previousFingerprint, newFingerprint: input.fingerprint, newArmoredPublicKey: input.armoredPublicKey, at: new Date(), pinnedBy: 'card' });
    return;
  }
  await query(em, `insert into partner_key (node_id, fingerprint, armored_public_key, pinned_by) values (?, ?, ?, 'pin') on conflict (node_id, fingerprint) do nothing`, [input.nodeId, input.fingerprint, input.armoredPublicKey]);
}

/** SHA-256 hex of a statement's bytes. */
export function statementHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function supersede(em: EntityManager, input: { nodeId: string; oldFingerprint: string; newFingerprint: string; newArmoredPublicKey: string; at: Date; pinnedBy: 'card' | 'rotation' }): Promise<void> {
  await query(em, `update partner_key set superseded_at = coalesce(superseded_at, ?), successor = ? where node_id = ? and fingerprint = ?`, [input.at, input.newFingerprint, input.nodeId, input.oldFingerprint]);
  // A key pinned again (back to an earlier key through a card) is current again.
  await query(
    em,
    `insert into partner_key (node_id, fingerprint, armored_public_key, pinned_by) values (?, ?, ?, ?)
     on conflict (node_id, fingerprint) do update set superseded_at = null, successor = null, pinned_at = now(), pinned_by = excluded.pinned_by`,
    [input.nodeId, input.newFingerprint, input.newArmoredPublicKey, input.pinnedBy],
  );
}

async function hasReceived(em: EntityManager, nodeId: string, hash: string): Promise<boolean> {
  return (await query(em, `select 1 from key_statement where direction = 'in' and node_id = ? and statement_hash = ?`, [nodeId, hash])).length > 0;
}

async function insertStatement(
  em: EntityManager,
  s: { direction: 'out' | 'in'; nodeId: string; kind: string; statement: StatementBytes; status: string; code?: string; message?: string; streamSeq?: number | null },
): Promise<string | undefined> {
  const rows = await query<{ id: string }>(em, INSERT_STATEMENT_SQL, [
    s.direction,
    storableText(s.nodeId, 64),
    s.kind,
    s.statement.hash,
    bytesParam(s.statement.bytes),
    s.status,
    s.code === undefined ? null : storableText(s.code, 64),
    s.message === undefined ? null : storableText(s.message, 4096),
    s.streamSeq ?? null,
  ]);
  return rows[0]?.id;
}
