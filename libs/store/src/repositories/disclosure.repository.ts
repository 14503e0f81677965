import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from '@palermo/indicators';
import { decodeCursor, toPage } from '../cursor.helper';
import type { ActorRef } from '../governance.types';
import { checkLimit, isUniqueViolation, isUuid, query } from '../sql.helper';
import { hasUnstorableText, storableText } from '../storable.helper';
import type { OutboundBatch, Page } from '../store.types';
import { appendAudit, checkActor } from './audit.repository';
import { writeOutbound } from './bundle.repository';
import { withChainConflicts } from './bundle.sql';
import { DECIDE_SQL, GET_SQL, HIT_SQL, INSERT_DISCLOSURE_SQL, INSERT_HIT_SQL, LIST_SQL, LOCK_INDICATOR_SQL, STANDING_SQL, WITHDRAW_SQL, toDisclosure, toHit, type DisclosureRow, type HitRow } from './disclosure.sql';
import type { AnsweredHit, AskedHit, DecisionSend, DisclosureFilter, DisclosureIndicatorRef, DisclosureRecord, LookupHitRecord, NewDisclosure, PlannedIndicator, ReceivedDecision, StandingReleases } from './disclosure.types';
import { insertOutgoingFeedback, type OutgoingFeedback } from './feedback-outbox.repository';
import { Repository } from './repository.base';

/** What receiving a partner's request, or a partner's decision, did. */
export type ReceiveOutcome = 'stored' | 'duplicate' | 'conflict' | 'open' | 'unknown';

/**
 * Lookup hits (both sides) and disclosure requests (both directions). Every state change commits
 * with its audit event and, where it tells the partner, its outgoing feedback message; an approval
 * also commits with the bundle that releases the indicator.
 */
export class DisclosureRepository extends Repository {
  /** Records hits this node was told (a replayed one is ignored). */
  async recordAsked(hits: readonly AskedHit[]): Promise<void> {
    if (hits.length === 0) return;
    await this.transaction(async (em) => {
      for (const h of hits) {
        checkActor(h.askedBy);
        await query(em, INSERT_HIT_SQL, ['asked', h.partner, h.requestId, h.reference, h.type, h.purpose, null, null, null, h.askedBy?.tokenId ?? null, h.askedBy ? storableText(h.askedBy.name, 200) : null]);
      }
    });
  }

  /** Records a hit this node gave a requester. */
  async recordAnswered(h: AnsweredHit): Promise<void> {
    await query(this.fork(), INSERT_HIT_SQL, ['answered', h.requester, h.requestId, h.reference, h.type, h.purpose, h.indicatorPk, h.indicatorOrigin, h.indicatorId, null, null]);
  }

  /** A recorded hit by request id (and partner, when given); null when there is none. */
  async hit(side: LookupHitRecord['side'], requestId: string, partner?: string): Promise<LookupHitRecord | null> {
    if (!isUuid(requestId) || (partner !== undefined && hasUnstorableText(partner))) return null;
    const [row] = await query<HitRow>(this.fork(), HIT_SQL, [side, requestId, partner ?? null, partner ?? null]);
    return row ? toHit(row) : null;
  }

  /**
   * Records this node's request ('out') and the message that asks the partner, in one transaction.
   * DISCLOSURE_ALREADY_REQUESTED when a request about the same hit is open or approved.
   */
  async request(d: NewDisclosure, message: OutgoingFeedback): Promise<DisclosureRecord> {
    checkActor(d.requestedBy ?? null);
    try {
      await this.transaction(async (em) => {
        const rows = await insertDisclosure(em, 'out', d);
        if (rows === 0) throw new DomainError('DISCLOSURE_ALREADY_REQUESTED', `disclosure ${d.id} exists already`);
        await insertOutgoingFeedback(em, message);
        await appendAudit(em, [{ actor: d.requestedBy ?? null, action: 'disclosure.requested', subjectType: 'disclosure', subjectId: d.id, details: details(d, 'out') }]);
      });
    } catch (error) {
      if (isUniqueViolation(error, 'disclosure_one_per_hit')) throw new DomainError('DISCLOSURE_ALREADY_REQUESTED', `a disclosure of lookup hit ${d.lookupRequestId} is already open or approved`);
      throw error;
    }
    return (await this.get(d.id))!;
  }

  /**
   * Records a partner's request ('in'). 'duplicate': this very request is already here (a
   * redelivery); 'conflict': the id is taken by another request; 'open': another request about the
   * same hit is open or approved.
   */
  async receive(d: NewDisclosure): Promise<ReceiveOutcome> {
    try {
      return await this.transaction(async (em) => {
        if ((await insertDisclosure(em, 'in', d)) === 0) {
          const existing = await this.getIn(em, d.id);
          return existing && existing.direction === 'in' && existing.partner === d.partner && existing.lookupRequestId === d.lookupRequestId ? 'duplicate' : 'conflict';
        }
        await appendAudit(em, [{ actor: null, action: 'disclosure.received', subjectType: 'disclosure', subjectId: d.id, details: details(d, 'in') }]);
        return 'stored';
      });
    } catch (error) {
      if (isUniqueViolation(error, 'disclosure_one_per_hit')) return 'open';
      throw error;
    }
  }

  /**
   * Denies a partner's open request and queues the decision message, in one transaction; a partner
   * that can no longer be sent to (not pinned) gets nothing, and the record says not-sent and why.
   */
  async deny(id: string, actor: ActorRef, reason: string, send: DecisionSend): Promise<DisclosureRecord> {
    checkActor(actor);
    const delivery = 'outgoing' in send ? { state: 'queued' as const, reason: null } : { state: 'not-sent' as const, reason: checkCode(send.notSent.reason) };
    await this.transaction(async (em) => {
      await this.decide(em, id, 'denied', actor, reason, null, delivery);
      if ('outgoing' in send) await insertOutgoingFeedback(em, send.outgoing);
      await appendAudit(em, [{ actor, action: 'disclosure.denied', subjectType: 'disclosure', subjectId: id, details: { reason: storableText(reason, 2000), delivery: delivery.state, ...(delivery.reason ? { deliveryReason: delivery.reason } : {}) } }]);
    });
    return (await this.get(id))!;
  }

  /** This node's analyst withdraws a request that still waits ('out', requested → withdrawn); the hit may be asked about again. */
  async withdraw(id: string, actor: ActorRef, reason: string): Promise<DisclosureRecord> {
    checkActor(actor);
    await this.transaction(async (em) => {
      const [updated] = await query<{ id: string }>(em, WITHDRAW_SQL, [actor.tokenId, storableText(actor.name, 200), storableText(reason, 2000), id]);
      if (!updated) {
        const existing = await this.getIn(em, id);
        if (!existing || existing.direction !== 'out') throw new DomainError('DISCLOSURE_NOT_FOUND', `this node asked for no disclosure ${id}`);
        throw new DomainError('DISCLOSURE_ALREADY_DECIDED', `disclosure ${id} was already ${existing.state}`, { state: existing.state });
      }
      await appendAudit(em, [{ actor, action: 'disclosure.withdrawn', subjectType: 'disclosure', subjectId: id, details: { reason: storableText(reason, 2000) } }]);
    });
    return (await this.get(id))!;
  }

  /**
   * Answers a partner's request this node refused for a reason other than forgery (no active
   * agreement, purpose not agreed, already requested): the denial message, with the code as its
   * reason, is queued and audited in one transaction. Nothing is stored as a request.
   */
  async answerRefusal(r: { disclosureId: string; partner: string; code: string; message: string; outgoing: OutgoingFeedback }): Promise<void> {
    await this.transaction(async (em) => {
      await insertOutgoingFeedback(em, r.outgoing);
      await appendAudit(em, [{ actor: null, action: 'disclosure.refusal-answered', subjectType: 'disclosure', subjectId: r.disclosureId, details: { partner: r.partner, code: checkCode(r.code), message: storableText(r.message, 2000) } }]);
    });
  }

  /** Approved releases of these own indicators of `origin` (this node): per id, per partner, the approval's rule id. */
  async standingReleases(origin: string, ids: readonly string[]): Promise<StandingReleases> {
    const standing: StandingReleases = new Map();
    if (ids.length === 0) return standing;
    const rows = await query<{ released_id: string; partner: string; id: string }>(this.fork(), STANDING_SQL, [origin, [...ids]]);
    for (const r of rows) {
      const byPartner = standing.get(r.released_id) ?? new Map<string, string>();
      // The first approval stands for the partner; later ones of the same indicator change nothing.
      if (!byPartner.has(r.partner)) byPartner.set(r.partner, `disclosure:${r.id}`);
      standing.set(r.released_id, byPartner);
    }
    return standing;
  }

  /**
   * Approves a partner's open request: the decision, the bundle that releases the indicator (with its
   * export decision) and the decision message commit together, or nothing does (a concurrent second
   * decision is DISCLOSURE_ALREADY_DECIDED, a taken chain position CHAIN_SEQ_CONFLICT, an indicator
   * that is no longer `planned` — another version or TLP, revoked, gone — DISCLOSURE_INDICATOR_CHANGED).
   */
  async approve(
    id: string,
    actor: ActorRef,
    reason: string,
    released: { bundleHash: string; indicator: DisclosureIndicatorRef },
    bundle: OutboundBatch,
    message: OutgoingFeedback,
    planned: PlannedIndicator,
  ): Promise<DisclosureRecord> {
    checkActor(actor);
    const hashes = bundle.bundles.map((b) => b.hash);
    await withChainConflicts(hashes, async () => false, undefined, () =>
      this.transaction(async (em) => {
        await this.decide(em, id, 'approved', actor, reason, released, { state: 'queued', reason: null });
        // Locked until commit: an edit or revocation waits, and one that came first is seen here.
        const [now] = await query<{ version: number; tlp: string; revoked: boolean }>(em, LOCK_INDICATOR_SQL, [planned.pk]);
        if (!now || now.revoked || Number(now.version) !== planned.version || now.tlp !== planned.tlp) {
          throw new DomainError('DISCLOSURE_INDICATOR_CHANGED', `the matched indicator changed while the release was prepared (${now ? `now version ${now.version}, TLP:${now.tlp.toUpperCase()}${now.revoked ? ', revoked' : ''}` : 'gone'}); approve again to release what it is now`);
        }
        if ((await writeOutbound(em, bundle)) !== 'saved') throw new DomainError('DISCLOSURE_BUNDLE_EXISTS', 'the release bundle is stored already');
        await insertOutgoingFeedback(em, message);
        await appendAudit(em, [{ actor, action: 'disclosure.approved', subjectType: 'disclosure', subjectId: id, details: { reason: storableText(reason, 2000), bundleHash: released.bundleHash, indicator: released.indicator } }]);
      }),
    );
    return (await this.get(id))!;
  }

  /**
   * Applies the partner's decision on this node's request. 'duplicate': the same decision is already
   * applied; 'unknown': no such request of this node to that partner; 'conflict': decided otherwise.
   */
  async decisionReceived(d: ReceivedDecision): Promise<ReceiveOutcome> {
    return this.transaction(async (em) => {
      const [updated] = await query<{ id: string }>(em, DECIDE_SQL, [
        d.decision, null, null, storableText(d.reason, 2000), d.released?.bundleHash ?? null, d.released?.indicator.origin ?? null, d.released?.indicator.id ?? null, null, null, d.disclosureId, 'out', d.partner, d.partner,
      ]);
      const audit = (action: string) =>
        appendAudit(em, [{ actor: null, action, subjectType: 'disclosure', subjectId: d.disclosureId, details: { partner: d.partner, decision: d.decision, reason: storableText(d.reason, 2000), ...(d.released ? { released: d.released } : {}) } }]);
      if (!updated) {
        const existing = await this.getIn(em, d.disclosureId);
        if (!existing || existing.direction !== 'out' || existing.partner !== d.partner) return 'unknown';
        // The partner decided without knowing of the withdrawal (the wire has none): kept in the trail, the record stays withdrawn.
        if (existing.state === 'withdrawn') {
          await audit('disclosure.decision-after-withdrawal');
          return 'stored';
        }
        return existing.state === d.decision && existing.released?.bundleHash === d.released?.bundleHash ? 'duplicate' : 'conflict';
      }
      await audit('disclosure.decision-received');
      return 'stored';
    });
  }

  /** One disclosure, or null. */
  async get(id: string): Promise<DisclosureRecord | null> {
    return isUuid(id) ? this.getIn(this.fork(), id) : null;
  }

  /** Disclosures oldest first (the officers' queue: direction 'in', state 'requested'), cursor-paged. */
  async list(filter: DisclosureFilter): Promise<Page<DisclosureRecord>> {
    const limit = checkLimit(filter.limit);
    const after = filter.cursor === undefined ? '0' : decodeCursor(filter.cursor);
    const d = filter.direction ?? null;
    const s = filter.state ?? null;
    const rows = await query<DisclosureRow>(this.fork(), LIST_SQL, [d, d, s, s, after, limit + 1]);
    return toPage(rows, limit, (r) => r.seq, toDisclosure);
  }

  private async getIn(em: EntityManager, id: string): Promise<DisclosureRecord | null> {
    const [row] = await query<DisclosureRow>(em, GET_SQL, [id]);
    return row ? toDisclosure(row) : null;
  }

  /** Moves a partner's open request to its decision; DISCLOSURE_NOT_FOUND or DISCLOSURE_ALREADY_DECIDED otherwise. */
  private async decide(
    em: EntityManager,
    id: string,
    state: 'approved' | 'denied',
    actor: ActorRef,
    reason: string,
    released: { bundleHash: string; indicator: DisclosureIndicatorRef } | null,
    delivery: NonNullable<DisclosureRecord['delivery']>,
  ): Promise<void> {
    const [updated] = await query<{ id: string }>(em, DECIDE_SQL, [
      state, actor.tokenId, storableText(actor.name, 200), storableText(reason, 2000), released?.bundleHash ?? null, released?.indicator.origin ?? null, released?.indicator.id ?? null,
      delivery.state, delivery.reason, id, 'in', null, null,
    ]);
    if (updated) return;
    const existing = await this.getIn(em, id);
    if (!existing || existing.direction !== 'in') throw new DomainError('DISCLOSURE_NOT_FOUND', `no disclosure request ${id} from a partner`);
    throw new DomainError('DISCLOSURE_ALREADY_DECIDED', `disclosure ${id} was already ${existing.state}`);
  }
}

async function insertDisclosure(em: EntityManager, direction: 'in' | 'out', d: NewDisclosure): Promise<number> {
  const rows = await query<{ id: string }>(em, INSERT_DISCLOSURE_SQL, [
    d.id, direction, d.partner, d.lookupRequestId, d.reference, d.purpose, storableText(d.legalBasis, 500), storableText(d.caseReference, 200),
    d.indicatorPk ?? null, d.requestedBy?.tokenId ?? null, d.requestedBy ? storableText(d.requestedBy.name, 200) : null,
  ]);
  return rows.length;
}

function details(d: NewDisclosure, direction: 'in' | 'out') {
  return { direction, partner: d.partner, lookupRequestId: d.lookupRequestId, reference: d.reference, purpose: d.purpose, caseReference: storableText(d.caseReference, 200) };
}

// A code names why a message was not sent or was refused; it is shown and audited as it is.
function checkCode(code: string): string {
  if (!/^[A-Z][A-Z0-9_]{0,99}$/.test(code)) throw new DomainError('DISCLOSURE_INVALID', 'a delivery or refusal reason is a code');
  return code;
}
