import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from '@palermo/indicators';
import { v7 as uuidv7 } from 'uuid';
import { AgreementEntity } from '../entities/agreement.entity';
import { isUuid, query } from '../sql.helper';
import { storableTextOrNull } from '../storable.helper';
import type {
  ActorRef,
  AgreementCommand,
  AgreementFilter,
  AgreementRecord,
  AgreementStateName,
  AuditEventRecord,
  BackfillState,
  NewAgreement,
} from '../governance.types';
import { toAgreementRecord, toTermsSnapshot } from './agreement.mapper';
import { appendAudit, checkActor, subjectHistory } from './audit.repository';
import { dropNeverSent } from './bundle.sql';
import { Repository } from './repository.base';

const STATES: readonly AgreementStateName[] = ['draft', 'active', 'suspended', 'terminated', 'superseded'];
const CURRENT: AgreementStateName[] = ['active', 'suspended'];
const MAX_TEXT = 2000;

// Transitions of one partner's agreements run one at a time: two drafts approved at once must
// end with one active agreement (the later approval supersedes the earlier), not with the loser
// meeting the partial unique index agreement_one_current.
const PARTNER_LOCK_SQL = 'select pg_advisory_xact_lock(7362003, hashtext(?::text))';
const PARTNER_OF_SQL = 'select partner from agreement where id = ?';
/** Sharing agreements: data with four-eyes transitions, every change audited in its transaction. */
export class AgreementRepository extends Repository {
  /** Stores a new agreement as a draft, created by `by`; audit 'agreement.created'. */
  async create(input: NewAgreement, by: ActorRef): Promise<AgreementRecord> {
    checkActor(by);
    return invalidAsDomain(() =>
      this.transaction(async (em) => {
        const now = new Date();
        const row = em.create(AgreementEntity, {
          id: uuidv7(),
          partner: input.partner,
          directions: [...new Set(input.directions)],
          types: [...new Set(input.types)],
          maxTlp: input.maxTlp,
          purposes: [...new Set(input.purposes)],
          retentionDays: input.retentionDays,
          pseudonymize: [...new Set(input.pseudonymize ?? [])],
          lookups: input.lookups ?? false,
          encrypt: input.encrypt ?? false,
          onward: input.onward ?? false,
          validFrom: input.validFrom === undefined ? now : parseDate(input.validFrom, 'validFrom'),
          validUntil: input.validUntil == null ? null : parseDate(input.validUntil, 'validUntil'),
          state: 'draft',
          stateReason: null,
          note: storableTextOrNull(input.note, MAX_TEXT),
          createdByToken: by.tokenId,
          createdByName: storableTextOrNull(by.name, 200) ?? '',
          createdAt: now,
          approvedByToken: null,
          approvedByName: null,
          approvedAt: null,
          suspendedByToken: null,
          suspendedByName: null,
          suspendedAt: null,
          updatedAt: now,
          backfillPk: null,
          backfilledAt: null,
        });
        await em.flush();
        const record = toAgreementRecord(row);
        await appendAudit(em, [
          { actor: by, action: 'agreement.created', subjectType: 'agreement', subjectId: record.id, details: { terms: toTermsSnapshot(record), note: record.note } },
        ]);
        return record;
      }),
    );
  }

  /** One agreement, or null (also for an id that is not a uuid). */
  async get(id: string): Promise<AgreementRecord | null> {
    if (!isUuid(id)) return null;
    const row = await this.fork().findOne(AgreementEntity, { id });
    return row ? toAgreementRecord(row) : null;
  }

  /** Agreements newest first, optionally of one partner and/or in one state. */
  async list(filter: AgreementFilter = {}): Promise<AgreementRecord[]> {
    const where: { partner?: string; state?: string } = {};
    if (filter.partner !== undefined) where.partner = filter.partner;
    if (filter.state !== undefined) where.state = filter.state;
    if (Object.values(where).some((v) => v.includes('\u0000'))) return [];
    const rows = await this.fork().find(AgreementEntity, where, { orderBy: { createdAt: 'desc', id: 'desc' } });
    return rows.map(toAgreementRecord);
  }

  /** The partner's current agreement (active or suspended; at most one exists), or null. */
  async activeFor(partner: string): Promise<AgreementRecord | null> {
    if (partner.includes('\u0000')) return null;
    const rows = await this.fork().find(
      AgreementEntity,
      { partner, state: { $in: CURRENT } },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: 1 },
    );
    return rows[0] ? toAgreementRecord(rows[0]) : null;
  }

  /** Every current agreement (active or suspended), by partner. */
  async allCurrent(): Promise<AgreementRecord[]> {
    const rows = await this.fork().find(AgreementEntity, { state: { $in: CURRENT } }, { orderBy: { partner: 'asc' } });
    return rows.map(toAgreementRecord);
  }

  /**
   * Applies `command` in ONE transaction: locks the row (SELECT … FOR UPDATE, after a per-partner
   * lock), asks the pure `rule` for the next state (it may throw, e.g. AGREEMENT_FOUR_EYES; nothing
   * is written then), records who did it (approvedBy on approve/resume, suspendedBy on suspend)
   * and `reason`. When the result is active, the partner's other active/suspended agreement becomes
   * superseded and the backfill cursor restarts. When an agreement ends (terminated, or another
   * superseded), the partner's never-published outbound bundles are dropped in the same transaction. Audit 'agreement.<command>' (+ 'agreement.superseded'
   * for each superseded one). Unknown id → AGREEMENT_NOT_FOUND.
   */
  async transition(
    id: string,
    command: AgreementCommand,
    by: ActorRef,
    reason: string | null,
    rule: (current: AgreementRecord) => AgreementStateName,
  ): Promise<AgreementRecord> {
    checkActor(by);
    if (!isUuid(id)) throw notFound(id);
    return this.transaction(async (em) => {
      const partner = (await query<{ partner: string }>(em, PARTNER_OF_SQL, [id]))[0]?.partner;
      if (partner === undefined) throw notFound(id);
      await query(em, PARTNER_LOCK_SQL, [partner]);
      const row = await em.findOneOrFail(AgreementEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      const before = toAgreementRecord(row);
      const next = rule(before);
      if (!STATES.includes(next)) throw new Error(`agreement rule returned an unknown state ${String(next)}`);
      const now = new Date();
      const why = storableTextOrNull(reason, MAX_TEXT);
      const superseded = next === 'active' ? await supersedeOthers(em, row, now) : [];
      applyTransition(row, command, next, by, why, now);
      await em.flush();
      const ended = next === 'terminated' || superseded.length > 0;
      // Bundles stored under the terms that just ended and never handed to NATS cannot have reached the
      // partner; they go, so nothing decided under the old terms leaves later. The new agreement's
      // backfill (restarted in this transaction) re-decides whatever they carried.
      const cancelled = ended ? await dropNeverSent(em, partner) : 0;
      const after = toAgreementRecord(row);
      await appendAudit(em, [
        ...superseded.map((other) => ({
          actor: by,
          action: 'agreement.superseded',
          subjectType: 'agreement',
          subjectId: other.id,
          details: { from: other.state, to: 'superseded', supersededBy: id, partner },
        })),
        {
          actor: by,
          action: `agreement.${command}`,
          subjectType: 'agreement',
          subjectId: id,
          details: {
            from: before.state,
            to: next,
            reason: why,
            ...(superseded.length ? { superseded: superseded.map((o) => o.id) } : {}),
            ...(cancelled ? { unpublishedBundlesCancelled: cancelled } : {}),
          },
        },
      ]);
      return after;
    });
  }

  /** The audit history of one agreement, oldest first. */
  async history(id: string): Promise<AuditEventRecord[]> {
    if (!isUuid(id)) return [];
    return subjectHistory(this.fork(), 'agreement', id);
  }

  /** Where the backfill of an agreement stands, or null for an unknown agreement. */
  async backfillState(id: string): Promise<BackfillState | null> {
    if (!isUuid(id)) return null;
    const row = await this.fork().findOne(AgreementEntity, { id }, { fields: ['backfillPk', 'backfilledAt'] });
    if (!row) return null;
    return { pk: row.backfillPk, done: row.backfilledAt !== null, backfilledAt: row.backfilledAt ? row.backfilledAt.toISOString() : null };
  }
}

/** Marks the partner's other current agreements superseded (locked first); returns them as they were. */
async function supersedeOthers(em: EntityManager, row: AgreementEntity, now: Date): Promise<AgreementRecord[]> {
  const others = await em.find(
    AgreementEntity,
    { partner: row.partner, state: { $in: CURRENT }, id: { $ne: row.id } },
    { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
  );
  const before = others.map(toAgreementRecord);
  for (const other of others) {
    other.state = 'superseded';
    other.stateReason = `superseded by ${row.id}`;
    other.updatedAt = now;
  }
  // Flushed before the new active state: the partial unique index checks row by row.
  if (others.length > 0) await em.flush();
  return before;
}

function applyTransition(
  row: AgreementEntity,
  command: AgreementCommand,
  next: AgreementStateName,
  by: ActorRef,
  reason: string | null,
  now: Date,
): void {
  const name = storableTextOrNull(by.name, 200) ?? '';
  if (command === 'approve' || command === 'resume') {
    row.approvedByToken = by.tokenId;
    row.approvedByName = name;
    row.approvedAt = now;
  }
  if (command === 'suspend') {
    row.suspendedByToken = by.tokenId;
    row.suspendedByName = name;
    row.suspendedAt = now;
  }
  // Becoming active (again) restarts the backfill: what changed while it was not active was withheld.
  if (next === 'active' && row.state !== 'active') {
    row.backfillPk = null;
    row.backfilledAt = null;
  }
  row.state = next;
  row.stateReason = reason;
  row.updatedAt = now;
}

function parseDate(text: string, field: string): Date {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new DomainError('AGREEMENT_INVALID', `${field} is not a date`);
  return date;
}

function notFound(id: string): DomainError {
  return new DomainError('AGREEMENT_NOT_FOUND', `no agreement ${id.slice(0, 64)}`);
}

/** A check or data error from the database (terms the schema refuses) as AGREEMENT_INVALID. */
async function invalidAsDomain<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const e = err as { code?: unknown; sqlState?: unknown; message?: string } | null;
    const state = typeof e?.code === 'string' ? e.code : typeof e?.sqlState === 'string' ? e.sqlState : '';
    if (state.startsWith('22') || state === '23514') {
      throw new DomainError('AGREEMENT_INVALID', `the agreement's terms are refused: ${(e?.message ?? '').split('\n').pop()}`);
    }
    throw err;
  }
}
