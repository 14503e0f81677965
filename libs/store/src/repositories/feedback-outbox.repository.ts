import type { EntityManager } from '@mikro-orm/postgresql';
import { bytesParam, checkLimit, query, toBytes } from '../sql.helper';
import { storableText } from '../storable.helper';
import { Repository } from './repository.base';

/** A signed feedback message to put in the outbox (in the transaction of the record it reports). */
export interface OutgoingFeedback {
  /** Node id of the partner it goes to. */
  recipient: string;
  /** The message's spec, e.g. `palermo/sighting@1`. */
  spec: string;
  /** The message's id (the sighting's, dispute's, resolution's or disclosure's uuid). */
  messageId: string;
  /** SHA-256 of the canonical bytes: the Nats-Msg-Id. */
  messageHash: string;
  bytes: Uint8Array;
  /** Binary detached signature. */
  signature: Uint8Array;
}

/** An outbox row not yet acknowledged by its recipient's feedback stream. */
export interface PendingFeedback extends OutgoingFeedback {
  id: string;
  attempts: number;
}

const INSERT_SQL = `
  insert into feedback_outbox (recipient, spec, message_id, message_hash, bytes, signature)
  values (?, ?, ?::uuid, ?, ?, ?)
  on conflict (message_hash) do nothing
  returning id::text as id`;

const PENDING_SQL = `
  select id::text as id, recipient, spec, message_id::text as message_id, message_hash, bytes, signature, attempts
  from feedback_outbox where published_at is null and id > ?::bigint order by id limit ?`;

/**
 * Puts a signed feedback message in the outbox inside the caller's transaction (the repository of
 * the sighting, dispute or disclosure it reports). False when that exact message is already there.
 */
export async function insertOutgoingFeedback(em: EntityManager, feedback: OutgoingFeedback): Promise<boolean> {
  const rows = await query<{ id: string }>(em, INSERT_SQL, [
    feedback.recipient,
    feedback.spec,
    feedback.messageId,
    feedback.messageHash,
    bytesParam(feedback.bytes),
    bytesParam(feedback.signature),
  ]);
  return rows.length > 0;
}

/** The outbox of the feedback this node sends; the records it reports live in their own repositories. */
export class FeedbackOutboxRepository extends Repository {
  /** Puts one message in the outbox on its own (a record that was already committed). */
  async enqueue(feedback: OutgoingFeedback): Promise<boolean> {
    return this.transaction((em) => insertOutgoingFeedback(em, feedback));
  }

  /** Outbox rows not yet acknowledged by their recipient's stream, oldest first. */
  async pending(limit: number, afterId = '0'): Promise<PendingFeedback[]> {
    const rows = await query<{ id: string; recipient: string; spec: string; message_id: string; message_hash: string; bytes: Uint8Array; signature: Uint8Array; attempts: number }>(
      this.fork(),
      PENDING_SQL,
      [afterId, checkLimit(limit)],
    );
    return rows.map((r) => ({
      id: r.id,
      recipient: r.recipient,
      spec: r.spec,
      messageId: r.message_id,
      messageHash: r.message_hash,
      bytes: toBytes(r.bytes),
      signature: toBytes(r.signature),
      attempts: Number(r.attempts),
    }));
  }

  /** Marks an outbox row published (JetStream acknowledged it). */
  async markPublished(id: string): Promise<void> {
    await query(this.fork(), `update feedback_outbox set published_at = now(), attempts = attempts + 1, last_error = null where id = ?::bigint`, [id]);
  }

  /** Records a failed attempt; the row stays pending. */
  async markFailed(id: string, error: string): Promise<void> {
    await query(this.fork(), `update feedback_outbox set attempts = attempts + 1, last_error = ? where id = ?::bigint`, [storableText(error, 1024), id]);
  }

  /** How many messages wait in the outbox, per recipient (for health and partner status). */
  async pendingCounts(): Promise<Record<string, number>> {
    const rows = await query<{ recipient: string; n: number | string }>(this.fork(), `select recipient, count(*) as n from feedback_outbox where published_at is null group by recipient order by recipient`);
    return Object.fromEntries(rows.map((r) => [r.recipient, Number(r.n)]));
  }

  /** Whether the message with this id has been acknowledged by its recipient's stream (null when unknown). */
  async publishedAt(messageId: string): Promise<string | null> {
    const rows = await query<{ published_at: Date | string | null }>(this.fork(), `select published_at from feedback_outbox where message_id = ?::uuid order by id desc limit 1`, [messageId]);
    const at = rows[0]?.published_at;
    return at ? new Date(at).toISOString() : null;
  }
}
