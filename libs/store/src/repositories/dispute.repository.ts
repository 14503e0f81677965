import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, isNodeId } from '@palermo/indicators';
import { decodeCursor, toPage } from '../cursor.helper';
import type { ActorRef } from '../governance.types';
import { checkLimit, isUuid, query } from '../sql.helper';
import { storableText } from '../storable.helper';
import type { Page } from '../store.types';
import { appendAudit, checkActor } from './audit.repository';
import { COLUMNS, INSERT_SQL, LOCK_SQL, RESOLVE_SQL, toDisputeRecord, type DisputeDirection, type DisputeKindName, type DisputeRecord, type DisputeRow, type DisputeStateName } from './dispute.sql';
import { insertOutgoingFeedback, type OutgoingFeedback } from './feedback-outbox.repository';
import { Repository } from './repository.base';

/** The fields of a dispute, as the disputer made it (and as its message carries them). */
export interface DisputeFields {
  /** uuid v7 minted by the disputer (the message id). */
  id: string;
  indicator: { origin: string; id: string };
  disputer: string;
  version: number;
  kind: DisputeKindName;
  reason: string;
  suggestedTags?: string[] | null;
  /** The message's `at`. */
  disputedAt: string;
}

/** How the message this node sends about a dispute goes: queued in the outbox, or not sent and why. */
export type DisputeSend = { outgoing: OutgoingFeedback } | { notSent: { to: string | null; reason: string } };

/** An 'out' dispute this node opens: the record and its signed message commit together. */
export interface NewOutgoingDispute extends DisputeFields {
  /** The signed `palermo/dispute@1` message (messageId = id, recipient = indicator.origin). */
  outgoing: OutgoingFeedback;
  actor: ActorRef | null;
}

/** An 'in' dispute a partner sent about one of our indicators. */
export interface IncomingDispute extends DisputeFields {
  messageHash: string;
}

/** The origin's answer, as its resolution message carries it (on the disputer's side). */
export interface IncomingResolution {
  /** The resolution message's id. */
  resolutionId: string;
  disputeId: string;
  /** The origin that resolved (the verified sender). */
  from: string;
  indicator: { origin: string; id: string };
  state: Exclude<DisputeStateName, 'open'>;
  note: string;
  resolvedAt: string;
}

/** Filters of GET /disputes. */
export interface DisputeFilter {
  direction?: DisputeDirection;
  state?: DisputeStateName;
  /** The indicator's id (the origin's uuid). */
  indicator?: string;
  /** The indicator's origin. */
  origin?: string;
  cursor?: string;
  limit?: number;
}

/** stored/applied: new; duplicate: that exact message again; conflict: the id is taken by something else; unknown: nothing to apply it to. */
export type DisputeReceiveStatus = 'stored' | 'duplicate' | 'conflict';
export type ResolutionApplyStatus = 'applied' | 'duplicate' | 'conflict' | 'unknown';

const KINDS: readonly string[] = ['false-positive', 'wrong-tags', 'other'];
const TAG = /^[a-z0-9][a-z0-9:._-]{0,63}$/;

/** Disputes in both directions: opened here about partners' indicators, and received about ours. */
export class DisputeRepository extends Repository {
  /** Opens an 'out' dispute and queues its message in one transaction; audited `feedback.dispute-sent`. */
  async openOutgoing(d: NewOutgoingDispute): Promise<DisputeRecord> {
    checkFields(d);
    checkActor(d.actor);
    if (d.outgoing.messageId !== d.id || d.outgoing.recipient !== d.indicator.origin) {
      throw new DomainError('DISPUTE_INVALID', "a dispute goes to its indicator's origin under the dispute's own id");
    }
    await this.transaction(async (em) => {
      const stored = await insertDispute(em, d, 'out', d.outgoing.messageHash, { to: d.indicator.origin, state: 'queued', reason: null }, d.actor);
      if (!stored) throw new DomainError('DISPUTE_EXISTS', `a dispute ${d.id} exists`);
      await insertOutgoingFeedback(em, d.outgoing);
      await appendAudit(em, [{ actor: d.actor, action: 'feedback.dispute-sent', subjectType: 'dispute', subjectId: d.id, details: { to: d.indicator.origin, indicator: d.indicator, kind: d.kind, messageHash: d.outgoing.messageHash } }]);
    });
    return this.get(d.id);
  }

  /** Stores a partner's dispute of an own indicator, idempotent by id; audited `feedback.dispute-received`. */
  async receive(d: IncomingDispute): Promise<DisputeReceiveStatus> {
    checkFields(d);
    return this.transaction(async (em) => {
      if (await insertDispute(em, d, 'in', d.messageHash, null, null)) {
        await appendAudit(em, [{ actor: null, action: 'feedback.dispute-received', subjectType: 'dispute', subjectId: d.id, details: { from: d.disputer, indicator: d.indicator, kind: d.kind, version: d.version, messageHash: d.messageHash } }]);
        return 'stored';
      }
      const [existing] = await query<{ direction: string; disputer: string; message_hash: string | null }>(em, `select direction, disputer, message_hash from dispute where id = ?::uuid`, [d.id]);
      return existing?.direction === 'in' && existing.disputer === d.disputer && existing.message_hash === d.messageHash ? 'duplicate' : 'conflict';
    });
  }

  /**
   * Resolves an open 'in' dispute (accepted or rejected, with a note) and queues the resolution for
   * the disputer in one transaction; audited `dispute.resolved`. DISPUTE_NOT_FOUND, DISPUTE_NOT_INCOMING
   * (an 'out' dispute is resolved by the origin, not here), DISPUTE_ALREADY_RESOLVED.
   */
  async resolve(id: string, r: { state: Exclude<DisputeStateName, 'open'>; note: string; resolutionId: string; resolvedAt: string; send: DisputeSend; actor: ActorRef | null }): Promise<DisputeRecord> {
    checkActor(r.actor);
    if (!isUuid(r.resolutionId) || !['accepted', 'rejected'].includes(r.state) || typeof r.note !== 'string' || r.note.length < 1 || r.note.length > 2000 || Number.isNaN(Date.parse(r.resolvedAt))) {
      throw new DomainError('DISPUTE_INVALID', 'a resolution is accepted or rejected, with a note of 1–2000 characters');
    }
    await this.transaction(async (em) => {
      const row = await lockOpenIncoming(em, id);
      const send = deliveryColumns(r.send, row.disputer, r.resolutionId);
      await query(em, RESOLVE_SQL, [r.state, r.resolutionId, storableText(r.note, 2000), r.resolvedAt, r.actor?.tokenId ?? null, r.actor ? storableText(r.actor.name, 200) : null, send.to, send.state, send.reason, id]);
      if ('outgoing' in r.send) await insertOutgoingFeedback(em, r.send.outgoing);
      await appendAudit(em, [{ actor: r.actor, action: 'dispute.resolved', subjectType: 'dispute', subjectId: id, details: { disputer: row.disputer, indicator: { origin: row.indicator_origin, id: row.indicator_id }, state: r.state, resolutionId: r.resolutionId, delivery: send.state, reason: send.reason } }]);
    });
    return this.get(id);
  }

  /** Applies the origin's resolution to our 'out' dispute, idempotent; audited `feedback.dispute-resolution-received`. */
  async applyResolution(r: IncomingResolution): Promise<ResolutionApplyStatus> {
    if (!isUuid(r.disputeId) || !isUuid(r.resolutionId) || !isNodeId(r.from) || !['accepted', 'rejected'].includes(r.state) || Number.isNaN(Date.parse(r.resolvedAt))) return 'unknown';
    return this.transaction(async (em) => {
      const [row] = await query<DisputeRow>(em, LOCK_SQL, [r.disputeId]);
      if (!row || row.direction !== 'out' || row.indicator_origin !== r.from || row.indicator_origin !== r.indicator.origin || row.indicator_id !== r.indicator.id) return 'unknown';
      if (row.state !== 'open') return row.resolution_id === r.resolutionId ? 'duplicate' : 'conflict';
      await query(em, RESOLVE_SQL, [r.state, r.resolutionId, storableText(r.note, 2000), r.resolvedAt, null, null, null, null, row.delivery_reason, r.disputeId]);
      await appendAudit(em, [{ actor: null, action: 'feedback.dispute-resolution-received', subjectType: 'dispute', subjectId: r.disputeId, details: { from: r.from, state: r.state, resolutionId: r.resolutionId } }]);
      return 'applied';
    });
  }

  /** One dispute; DISPUTE_NOT_FOUND otherwise. */
  async get(id: string): Promise<DisputeRecord> {
    if (typeof id !== 'string' || !isUuid(id)) throw new DomainError('DISPUTE_NOT_FOUND', `no dispute ${String(id).slice(0, 64)}`);
    const [row] = await query<DisputeRow>(this.fork(), `select ${COLUMNS} from dispute d where d.id = ?::uuid`, [id]);
    if (!row) throw new DomainError('DISPUTE_NOT_FOUND', `no dispute ${id}`);
    return toDisputeRecord(row);
  }

  /** Disputes newest first, filtered, keyset-paginated. */
  async list(filter: DisputeFilter = {}): Promise<Page<DisputeRecord>> {
    const limit = checkLimit(filter.limit ?? 100);
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      where.push(sql);
      params.push(value);
    };
    if (filter.cursor !== undefined) add('d.pk < ?::bigint', decodeCursor(filter.cursor));
    if (filter.direction !== undefined) add('d.direction = ?', filter.direction);
    if (filter.state !== undefined) add('d.state = ?', filter.state);
    if (filter.indicator !== undefined) add('d.indicator_id = ?', filter.indicator.replace(/\u0000/g, ''));
    if (filter.origin !== undefined) add('d.indicator_origin = ?', filter.origin.replace(/\u0000/g, ''));
    const sql = `select ${COLUMNS} from dispute d ${where.length ? `where ${where.join(' and ')}` : ''} order by d.pk desc limit ?`;
    const rows = await query<DisputeRow>(this.fork(), sql, [...params, limit + 1]);
    return toPage(rows, limit, (r) => r.pk, toDisputeRecord);
  }

  /** How many disputes of one indicator are in each state. */
  async statesFor(origin: string, id: string): Promise<Record<DisputeStateName, number>> {
    const counts: Record<DisputeStateName, number> = { open: 0, accepted: 0, rejected: 0 };
    const rows = await query<{ state: DisputeStateName; n: number | string }>(
      this.fork(),
      `select state, count(*) as n from dispute where indicator_origin = ? and indicator_id = ? group by state`,
      [origin.replace(/\u0000/g, ''), id.replace(/\u0000/g, '')],
    );
    for (const r of rows) counts[r.state] = Number(r.n);
    return counts;
  }
}

async function insertDispute(
  em: EntityManager,
  d: DisputeFields,
  direction: DisputeDirection,
  messageHash: string,
  delivery: { to: string; state: 'queued'; reason: null } | null,
  actor: ActorRef | null,
): Promise<boolean> {
  const tags = d.suggestedTags == null ? null : JSON.stringify(d.suggestedTags);
  const rows = await query(em, INSERT_SQL, [
    d.id,
    direction,
    d.indicator.origin,
    d.indicator.id,
    d.disputer,
    d.version,
    d.kind,
    storableText(d.reason, 2000),
    tags,
    tags,
    d.disputedAt,
    messageHash,
    delivery?.to ?? null,
    delivery?.state ?? null,
    delivery?.reason ?? null,
    actor?.tokenId ?? null,
    actor ? storableText(actor.name, 200) : null,
  ]);
  return rows.length > 0;
}

async function lockOpenIncoming(em: EntityManager, id: string): Promise<DisputeRow> {
  if (typeof id !== 'string' || !isUuid(id)) throw new DomainError('DISPUTE_NOT_FOUND', `no dispute ${String(id).slice(0, 64)}`);
  const [row] = await query<DisputeRow>(em, LOCK_SQL, [id]);
  if (!row) throw new DomainError('DISPUTE_NOT_FOUND', `no dispute ${id}`);
  if (row.direction !== 'in') {
    throw new DomainError('DISPUTE_NOT_INCOMING', `dispute ${id} was opened by this node; only the indicator's origin (${row.indicator_origin}) resolves it`);
  }
  if (row.state !== 'open') throw new DomainError('DISPUTE_ALREADY_RESOLVED', `dispute ${id} was already ${row.state}`, { state: row.state });
  return row;
}

function deliveryColumns(send: DisputeSend, disputer: string, resolutionId: string): { to: string | null; state: 'queued' | 'not-sent'; reason: string | null } {
  if ('outgoing' in send) {
    if (send.outgoing.recipient !== disputer || send.outgoing.messageId !== resolutionId) {
      throw new DomainError('DISPUTE_INVALID', 'a resolution goes to the disputer under the resolution id');
    }
    return { to: disputer, state: 'queued', reason: null };
  }
  if (!/^[A-Z][A-Z0-9_]{0,99}$/.test(send.notSent.reason)) throw new DomainError('DISPUTE_INVALID', 'a not-sent reason is a code');
  return { to: send.notSent.to, state: 'not-sent', reason: send.notSent.reason };
}

// The service validates with its schema and the inbox with the wire schema; these guards keep a
// direct caller from reaching a database constraint (a 500).
function checkFields(d: DisputeFields): void {
  const ok =
    isUuid(d.id) &&
    isNodeId(d.indicator.origin) &&
    isNodeId(d.disputer) &&
    d.disputer !== d.indicator.origin &&
    typeof d.indicator.id === 'string' &&
    d.indicator.id.length <= 64 &&
    Number.isInteger(d.version) &&
    d.version >= 1 &&
    d.version <= 1_000_000_000 &&
    KINDS.includes(d.kind) &&
    typeof d.reason === 'string' &&
    d.reason.length >= 1 &&
    d.reason.length <= 2000 &&
    !Number.isNaN(Date.parse(d.disputedAt)) &&
    (d.suggestedTags == null || (Array.isArray(d.suggestedTags) && d.suggestedTags.length <= 32 && d.suggestedTags.every((t) => typeof t === 'string' && TAG.test(t))));
  if (!ok) throw new DomainError('DISPUTE_INVALID', 'not a well-formed dispute');
}
