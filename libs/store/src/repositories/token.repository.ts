import { createHash, randomBytes } from 'node:crypto';
import { DomainError, isNodeId, NODE_ID_RULE } from '@palermo/indicators';
import { v7 as uuidv7 } from 'uuid';
import { ApiTokenEntity } from '../entities/api-token.entity';
import { isUuid } from '../sql.helper';
import type { ApiTokenRecord } from '../store.types';
import { appendAudit } from './audit.repository';
import { Repository } from './repository.base';

/** Every token starts with this, so leaked tokens are recognisable by secret scanners. */
export const TOKEN_PREFIX = 'plm_';
const TOKEN_PATTERN = /^plm_[A-Za-z0-9_-]{43}$/;
/**
 * The role of a partner node's read token, scoped to one partner (`palermo tokens create --role partner
 * --partner <node id>`): allowed only on the TAXII and STIX export read routes, where it sees only the
 * community chain and its own audience.
 */
export const PARTNER_ROLE = 'partner' as const;

/** API tokens. Only SHA-256 of a token is stored; the plaintext is shown once, at creation. */
export class TokenRepository extends Repository {
  /**
   * Mints a token (`plm_` + 32 random bytes base64url); returns the plaintext once. `partner` (a
   * node id) is required for the `partner` role and refused for every other role.
   */
  async create(input: { role: string; name: string; partner?: string | null }): Promise<{ token: string; id: string }> {
    const partner = input.partner ?? null;
    if ((input.role === PARTNER_ROLE) !== (partner !== null)) {
      throw new DomainError('TOKEN_PARTNER_SCOPE', `a ${PARTNER_ROLE} token names exactly one partner node; other roles name none`);
    }
    // isNodeId refuses the reserved `local` and `all`: a partner so named would read those collections.
    if (partner !== null && !isNodeId(partner)) throw new DomainError('TOKEN_PARTNER_SCOPE', `partner ${JSON.stringify(partner.slice(0, 40))} is not a node id (${NODE_ID_RULE})`);
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const id = uuidv7();
    await this.transaction(async (em) => {
      em.create(ApiTokenEntity, {
        id,
        role: input.role,
        name: input.name,
        partner,
        tokenSha256: sha256Hex(token),
        createdAt: new Date(),
        revokedAt: null,
      });
      await em.flush();
      await appendAudit(em, [{ actor: null, action: 'token.created', subjectType: 'token', subjectId: id, details: { role: input.role, name: input.name } }]);
    });
    return { token, id };
  }

  /** The token's identity when it exists and is not revoked, else null. */
  async verify(token: string): Promise<{ id: string; role: string; name: string; partner: string | null } | null> {
    // The shape check keeps junk (and huge headers) from costing a database round trip.
    if (!TOKEN_PATTERN.test(token)) return null;
    const row = await this.fork().findOne(ApiTokenEntity, { tokenSha256: sha256Hex(token), revokedAt: null });
    return row ? { id: row.id, role: row.role, name: row.name, partner: row.partner } : null;
  }

  /** Every token (revoked ones too), oldest first, without secrets. */
  async list(): Promise<ApiTokenRecord[]> {
    const rows = await this.fork().find(ApiTokenEntity, {}, { orderBy: { createdAt: 'asc', id: 'asc' } });
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      role: row.role,
      partner: row.partner,
      createdAt: row.createdAt.toISOString(),
      revokedAt: row.revokedAt ? row.revokedAt.toISOString() : null,
    }));
  }

  /** Revokes a token; true when it existed and was active. Revoking twice is harmless. */
  async revoke(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    return this.transaction(async (em) => {
      const count = await em.nativeUpdate(ApiTokenEntity, { id, revokedAt: null }, { revokedAt: new Date() });
      if (count > 0) await appendAudit(em, [{ actor: null, action: 'token.revoked', subjectType: 'token', subjectId: id.toLowerCase() }]);
      return count > 0;
    });
  }
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
