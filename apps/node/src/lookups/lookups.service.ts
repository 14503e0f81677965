import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError, errorMessage, normalizePlatform, normalizeValue, type IndicatorType } from '@palermo/indicators';
import { lookupInput, unwrapLookup } from '@palermo/lookups';
import { effectiveAgreementState } from '@palermo/policy';
import { Store, type ActorRef } from '@palermo/store';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { LookupQuerier, type PartnerLookupResult } from './lookup.querier';
import { LookupTableBuilder } from './lookup.table';

/** POST /lookups, validated. */
export interface LookupBody {
  type: IndicatorType;
  value: string;
  platform?: string;
  chain?: string;
  partners?: string[];
  purpose: string;
}

/** One partner's answer; a hit also says whether POST /disclosures can name it (false: the hit could not be recorded). */
export type LookupResultView = PartnerLookupResult & { disclosable?: boolean };

/**
 * Hit/no-hit lookups from this node's analysts: the value is normalized exactly as indicators are,
 * then each partner is asked in parallel (LookupQuerier); every partner's outcome is audited here as
 * `lookup.asked` (partner, type, purpose, requestId, result — never the value).
 */
@Injectable()
export class LookupsService {
  private readonly logger = new Logger('LookupsService');

  constructor(
    private readonly store: Store,
    private readonly querier: LookupQuerier,
    private readonly tables: LookupTableBuilder,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  /**
   * Asks `partners` (default: every pinned partner whose agreement allows lookups of this type for this
   * purpose). Throws LOOKUP_RATE_LIMITED (HTTP 429, Retry-After) when every partner asked refused for its rate limit.
   */
  async lookup(body: LookupBody, actor: ActorRef): Promise<{ type: IndicatorType; purpose: string; results: LookupResultView[] }> {
    const input = this.input(body);
    const partners = body.partners ? [...new Set(body.partners)] : await this.defaultPartners(body.type, body.purpose);
    if (partners.length === 0) throw new DomainError('LOOKUP_NO_PARTNERS', `no pinned partner's agreement allows ${body.type} lookups for ${body.purpose}; name partners explicitly to ask anyway`);
    const pinned = new Set((await this.store.partners.list()).map((p) => p.nodeId));
    const asked = await Promise.all(
      partners.map((partner): Promise<PartnerLookupResult> =>
        partner === this.config.nodeId || !pinned.has(partner)
          ? Promise.resolve({ partner, requestId: '', result: 'refused', reason: 'LOOKUP_PARTNER_UNKNOWN', message: `${partner} is not a pinned partner` })
          : this.querier.ask(partner, input, body.type, body.purpose),
      ),
    );
    await this.audit(asked, body, actor);
    const recorded = await this.recordHits(asked, body, actor);
    // A hit says whether a disclosure can be asked for it: not when it could not be recorded here.
    const results: LookupResultView[] = asked.map((r) => (r.result === 'hit' ? { ...r, disclosable: recorded && !!r.reference } : r));
    const limited = results.filter((r) => r.reason === 'LOOKUP_RATE_LIMITED');
    if (limited.length === results.length) {
      const retryAfterSeconds = Math.max(1, ...limited.map((r) => r.retryAfterSeconds ?? 60));
      throw new DomainError('LOOKUP_RATE_LIMITED', `every partner asked refused: rate limited; ask again in ${retryAfterSeconds} s`, { retryAfterSeconds, results });
    }
    return { type: body.type, purpose: body.purpose, results };
  }

  /** Starts a new OPRF key epoch; the current one answers until the new table is complete. */
  async rotate(actor: ActorRef) {
    const epoch = await this.tables.rotate();
    await this.store.audit.append({ actor, action: 'lookup.key-rotated', subjectType: 'lookup', subjectId: `epoch-${epoch.epoch}`, details: { epoch: epoch.epoch } });
    return { epoch: epoch.epoch, state: epoch.state, note: 'the current epoch answers until the new table is complete (GET /health: lookups)' };
  }

  private input(body: LookupBody): Uint8Array {
    const normalized = normalizeValue(body.type, body.value, { defaultRegion: this.config.jurisdiction, chain: body.chain });
    if (!normalized.ok) throw new DomainError('VALIDATION_FAILED', `value: ${normalized.message}`, { errors: [{ path: ['value'], code: normalized.code, message: normalized.message }] });
    let platform: string | undefined;
    if (body.type === 'username' && body.platform !== undefined) {
      const p = normalizePlatform(body.platform);
      if (!p.ok) throw new DomainError('VALIDATION_FAILED', `platform: ${p.message}`, { errors: [{ path: ['platform'], code: p.code, message: p.message }] });
      platform = p.value;
    }
    return unwrapLookup(lookupInput({ type: body.type, value: normalized.value, platform, chain: body.type === 'crypto-wallet' ? body.chain : undefined })).input;
  }

  private async defaultPartners(type: IndicatorType, purpose: string): Promise<string[]> {
    const now = new Date();
    const out: string[] = [];
    for (const partner of await this.store.partners.list()) {
      const a = await this.store.agreements.activeFor(partner.nodeId);
      if (a && a.lookups && effectiveAgreementState(a, now) === 'active' && a.types.includes(type) && (a.purposes as string[]).includes(purpose)) out.push(partner.nodeId);
    }
    return out;
  }

  /**
   * Keeps every hit (partner, requestId, reference — never the value) so a disclosure can be requested
   * for it; false when that failed (the answer is still given, marked not disclosable).
   */
  private async recordHits(results: PartnerLookupResult[], body: LookupBody, actor: ActorRef): Promise<boolean> {
    const hits = results.filter((r) => r.result === 'hit' && r.reference);
    try {
      await this.store.disclosures.recordAsked(hits.map((r) => ({ partner: r.partner, requestId: r.requestId, reference: r.reference!, type: body.type, purpose: body.purpose, askedBy: actor })));
      return true;
    } catch (err) {
      this.logger.warn(`lookup hits not recorded (no disclosure can be requested for them): ${errorMessage(err)}`);
      return false;
    }
  }

  private async audit(results: PartnerLookupResult[], body: LookupBody, actor: ActorRef): Promise<void> {
    const events = results.map((r) => ({
      actor,
      action: 'lookup.asked',
      subjectType: 'lookup',
      subjectId: r.partner,
      details: { partner: r.partner, type: body.type, purpose: body.purpose, requestId: r.requestId || null, result: r.result, ...(r.reference ? { reference: r.reference } : {}), ...(r.reason ? { reason: r.reason } : {}) },
    }));
    try {
      await this.store.audit.append(events);
    } catch (err) {
      this.logger.warn(`audit lookup.asked not written: ${errorMessage(err)}`);
    }
  }
}
