import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import { DomainError } from '@palermo/indicators';
import { PartnerEntity } from '../entities/partner.entity';
import type { PartnerRecord } from '../store.types';
import type { ActorRef } from '../governance.types';
import { appendAudit, checkActor } from './audit.repository';
import { recordPinnedKey } from './key-history.repository';
import { Repository } from './repository.base';

/** Partner nodes and their pinned keys. */
export class PartnerRepository extends Repository {
  /** Every partner, by node id. */
  async list(): Promise<PartnerRecord[]> {
    const rows = await this.fork().find(PartnerEntity, {}, { orderBy: { nodeId: 'asc' } });
    return rows.map(toRecord);
  }

  /** One partner, or null when unknown. */
  async get(nodeId: string): Promise<PartnerRecord | null> {
    const row = await this.fork().findOne(PartnerEntity, { nodeId });
    return row ? toRecord(row) : null;
  }

  /**
   * Creates or updates a partner. `status` says whether anything changed, so that a caller can
   * make a replaced key (a security event) visible.
   */
  async upsert(
    input: { nodeId: string; jurisdiction: string; fingerprint: string; armoredPublicKey: string },
    options: { refuseKeyChange?: boolean; actor?: ActorRef | null } = {},
  ): Promise<{ status: 'created' | 'updated' | 'unchanged'; partner: PartnerRecord }> {
    checkActor(options.actor ?? null);
    try {
      return await this.upsertOnce(input, options);
    } catch (err) {
      // Two first pins of one partner at once: the loser meets the winner's row on a second try.
      if (err instanceof UniqueConstraintViolationException) return this.upsertOnce(input, options);
      throw err;
    }
  }

  private upsertOnce(
    input: { nodeId: string; jurisdiction: string; fingerprint: string; armoredPublicKey: string },
    options: { refuseKeyChange?: boolean; actor?: ActorRef | null },
  ): Promise<{ status: 'created' | 'updated' | 'unchanged'; partner: PartnerRecord }> {
    return this.transaction(async (em) => {
      // Locked, so a concurrent pin cannot swap the key between the check and the write.
      const row = await em.findOne(PartnerEntity, { nodeId: input.nodeId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (row && options.refuseKeyChange && row.fingerprint !== input.fingerprint) {
        throw new DomainError('PARTNER_KEY_CONFLICT', `${input.nodeId} is pinned to ${row.fingerprint}; a new key needs a rotation statement`);
      }
      if (!row) {
        const now = new Date();
        const created = em.create(PartnerEntity, { ...input, createdAt: now, updatedAt: now });
        await em.flush();
        await recordPinnedKey(em, { ...input, previousFingerprint: null });
        await appendAudit(em, [partnerAudit('partner.pinned', input, null, options.actor ?? null)]);
        return { status: 'created' as const, partner: toRecord(created) };
      }
      const changed =
        row.jurisdiction !== input.jurisdiction ||
        row.fingerprint !== input.fingerprint ||
        row.armoredPublicKey !== input.armoredPublicKey;
      if (changed) {
        const before = { jurisdiction: row.jurisdiction, fingerprint: row.fingerprint };
        const action = row.fingerprint !== input.fingerprint ? 'partner.key-changed' : 'partner.updated';
        em.assign(row, { ...input, updatedAt: new Date() });
        await em.flush();
        await recordPinnedKey(em, { ...input, previousFingerprint: before.fingerprint });
        await appendAudit(em, [partnerAudit(action, input, before, options.actor ?? null)]);
      }
      return { status: changed ? ('updated' as const) : ('unchanged' as const), partner: toRecord(row) };
    });
  }
}

/** A pin or a change of a partner's key: the fingerprints, never only "updated". */
function partnerAudit(action: string, input: { nodeId: string; jurisdiction: string; fingerprint: string }, before: { jurisdiction: string; fingerprint: string } | null, actor: ActorRef | null) {
  return {
    actor,
    action,
    subjectType: 'partner',
    subjectId: input.nodeId,
    details: { jurisdiction: input.jurisdiction, fingerprint: input.fingerprint, ...(before ? { before } : {}) },
  };
}

function toRecord(row: PartnerEntity): PartnerRecord {
  return {
    nodeId: row.nodeId,
    jurisdiction: row.jurisdiction,
    fingerprint: row.fingerprint,
    armoredPublicKey: row.armoredPublicKey,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
