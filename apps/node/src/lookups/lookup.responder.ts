import { Inject, Injectable, Logger } from '@nestjs/common';
import { type LookupRequestMessage } from '@palermo/federation';
import { DomainError, errorMessage, type IndicatorType } from '@palermo/indicators';
import { evaluate, LOOKUP_MATCH_RESULT_SPEC, LOOKUP_REQUEST_SPEC, LOOKUP_RESPONSE_SPEC, type LookupMatch, type LookupRequest } from '@palermo/lookups';
import { Store } from '@palermo/store';
import { LOOKUP_CONFIG, type LookupConfig } from '../config/lookup.config';
import { PinnedKeys } from '../keys/pinned-keys.cache';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { PartnerNonces, replyNotToRequester } from '../node/partner-request.check';
import { PolicyHolder } from '../policy/policy.holder';
import { partnerFacts } from '../policy/partner.facts';
import { answerBytes, checkLookupSignature, openLookup, refusal, type LookupRefusal } from './lookup.envelope';
import { LookupKeys } from './lookup.keys';
import { decideLookup } from './lookup.policy';
import { PendingMatches } from './pending.matches';
import { RateLimiter } from './rate.limiter';

/** What one message led to: the answer, and the audit event (never a value, element or output). */
interface Outcome {
  answer: Parameters<typeof answerBytes>[0];
  audit: { action: 'lookup.evaluated' | 'lookup.answered' | 'lookup.refused'; requester: string | null; details: Record<string, unknown> };
}

/**
 * The responder's side of hit/no-hit lookups on `palermo.v1.lookup.<this node>`. A request is
 * evaluated only when it is signed by a pinned partner's key, answered to that partner's own inbox,
 * fresh, not replayed, allowed by the agreement and the jurisdiction policy, and within the partner's
 * rate limit. A match is accepted once, for a requestId evaluated for that partner in the last
 * matchWindowMs, with the same key epoch. The PRF output of a match is looked up and then dropped:
 * it is never logged, stored or audited — only hit/no-hit (and on a hit the reference) is.
 */
@Injectable()
export class LookupResponder {
  private readonly logger = new Logger('LookupResponder');
  private readonly keys = new PinnedKeys();
  private readonly requestIds: PartnerNonces;
  private readonly pending: PendingMatches;
  private readonly rate: RateLimiter;

  constructor(
    private readonly store: Store,
    private readonly policy: PolicyHolder,
    private readonly oprfKeys: LookupKeys,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(LOOKUP_CONFIG) private readonly lookup: LookupConfig,
  ) {
    this.requestIds = new PartnerNonces(lookup.maxSkewMs);
    this.pending = new PendingMatches(lookup.matchWindowMs);
    this.rate = new RateLimiter(lookup.ratePerMinute);
  }

  /** Handles one message (request or match) and returns the answer's bytes. */
  readonly handle = async (req: LookupRequestMessage): Promise<Uint8Array> => {
    const outcome = await this.decide(req);
    await this.audit(outcome);
    return answerBytes(outcome.answer);
  };

  /** The answer when handling failed unexpectedly (the channel sends it). */
  readonly unavailable = (): Uint8Array => answerBytes(refusal('LOOKUP_UNAVAILABLE', 'the responder could not answer now; ask again later'));

  private async decide(req: LookupRequestMessage): Promise<Outcome> {
    const opened = openLookup(req.payload);
    if (!opened.ok) return refused(null, opened.code, opened.message, { payloadSize: req.payload.byteLength });
    const { envelope } = opened;
    const requester = envelope.requester;
    const partner = await this.store.partners.get(requester);
    if (!partner) return refused(null, 'LOOKUP_UNKNOWN_REQUESTER', `${requester} is not a pinned partner of ${this.config.nodeId}`, { claimed: requester });
    const signed = await checkLookupSignature(envelope, await this.keys.get(partner));
    if (!signed.ok) return refused(null, 'LOOKUP_SIGNATURE_INVALID', `not signed by the pinned key of ${requester}: ${signed.message}`, { claimed: requester });
    const misdirected = replyNotToRequester(req.reply, requester);
    if (misdirected) return refused(requester, 'LOOKUP_REPLY_NOT_REQUESTER', misdirected);
    return envelope.message.spec === LOOKUP_REQUEST_SPEC
      ? this.evaluateRequest(requester, partner.jurisdiction, envelope.message as LookupRequest)
      : this.match(requester, envelope.message as LookupMatch);
  }

  private async evaluateRequest(requester: string, jurisdiction: string, m: LookupRequest): Promise<Outcome> {
    const asked = { requestId: m.requestId, type: m.type, purpose: m.purpose };
    if (m.requester !== requester) return refused(requester, 'LOOKUP_REQUEST_MALFORMED', `the request names ${m.requester}, it is signed by ${requester}`, asked);
    if (m.responder !== this.config.nodeId) return refused(requester, 'LOOKUP_NOT_ADDRESSED', `asks ${m.responder}, this node is ${this.config.nodeId}`, asked);
    const now = new Date();
    const skew = Date.parse(m.at) - now.getTime();
    if (Math.abs(skew) > this.lookup.maxSkewMs) return refused(requester, 'LOOKUP_STALE', `made ${Math.round(Math.abs(skew) / 1000)} s ${skew < 0 ? 'ago' : 'ahead'}; at most ${this.lookup.maxSkewMs / 1000} s are accepted`, asked);
    const claim = this.requestIds.claim(requester, m.requestId, now.getTime());
    if (claim === 'replayed') return refused(requester, 'LOOKUP_REPLAYED', `requestId ${m.requestId} was already used`, asked);
    if (claim === 'full') return refused(requester, 'LOOKUP_UNAVAILABLE', 'too many requests right now; ask again later', asked);
    const agreement = await this.store.agreements.activeFor(requester);
    const partner = partnerFacts({ nodeId: requester, jurisdiction }, this.config.policy.adequacy);
    const denied = decideLookup(this.policy.current().engine, { type: m.type as IndicatorType, purpose: m.purpose, partner, agreement }, now);
    if (denied) return refused(requester, denied.code, denied.message, { ...asked, reasons: denied.reasons });
    const rate = this.rate.take(requester, now.getTime());
    if (!rate.ok) return refused(requester, 'LOOKUP_RATE_LIMITED', `more than ${this.lookup.ratePerMinute} lookups a minute; ask again in ${rate.retryAfterSeconds} s`, asked, rate.retryAfterSeconds);
    const active = (await this.store.lookups.epochs()).find((e) => e.state === 'active');
    const key = active ? this.oprfKeys.get(active.epoch) : null;
    if (!active || !key) return refused(requester, 'LOOKUP_TABLE_BUILDING', 'the lookup table is being built; ask again later', asked, 5);
    const evaluated = evaluate(key, m.blindedElement);
    if (!evaluated.ok) return refused(requester, evaluated.code, evaluated.message, asked);
    this.pending.put(m.requestId, { requester, keyEpoch: active.epoch, type: m.type, purpose: m.purpose });
    return {
      answer: { spec: LOOKUP_RESPONSE_SPEC, requestId: m.requestId, evaluatedElement: evaluated.evaluatedElement, keyEpoch: active.epoch },
      audit: { action: 'lookup.evaluated', requester, details: { ...asked, keyEpoch: active.epoch } },
    };
  }

  private async match(requester: string, m: LookupMatch): Promise<Outcome> {
    const pending = this.pending.take(m.requestId, requester);
    if (!pending) return refused(requester, 'LOOKUP_REQUEST_UNKNOWN', `requestId ${m.requestId} was not evaluated for ${requester} in the last ${this.lookup.matchWindowMs / 1000} s, or was already matched`, { requestId: m.requestId });
    const asked = { requestId: m.requestId, type: pending.type, purpose: pending.purpose, keyEpoch: pending.keyEpoch };
    if (m.keyEpoch !== pending.keyEpoch) return refused(requester, 'LOOKUP_EPOCH_MISMATCH', `evaluated with key epoch ${pending.keyEpoch}, the match names ${m.keyEpoch}`, asked);
    // The output is looked up and goes out of scope here: on a miss nothing of it is kept anywhere.
    // A failed look-up must not carry the output into a log: drivers quote bound parameters in their errors.
    const found = await this.store.lookups.match(pending.keyEpoch, m.prfOutput).catch(() => {
      throw new DomainError('LOOKUP_UNAVAILABLE', `the table look-up of request ${m.requestId} failed`);
    });
    const reference = found ? `${found.originNode}:${found.originId}` : undefined;
    // A hit is kept (which indicator, for whom, under which requestId) so a disclosure request can name it.
    if (found) {
      await this.store.disclosures.recordAnswered({ requester, requestId: m.requestId, reference: reference!, type: pending.type, purpose: pending.purpose, indicatorPk: found.pk, indicatorOrigin: found.originNode, indicatorId: found.originId });
    }
    return {
      answer: found ? { spec: LOOKUP_MATCH_RESULT_SPEC, requestId: m.requestId, hit: true, reference: reference! } : { spec: LOOKUP_MATCH_RESULT_SPEC, requestId: m.requestId, hit: false },
      audit: { action: 'lookup.answered', requester, details: { ...asked, result: found ? 'hit' : 'no-hit', ...(reference ? { reference } : {}) } },
    };
  }

  private async audit({ audit, answer }: Outcome): Promise<void> {
    if (audit.action === 'lookup.refused') this.logger.warn(`lookup from ${audit.requester ?? '(unauthenticated)'} refused: ${(answer as LookupRefusal).code}`);
    try {
      await this.store.audit.append({ actor: null, action: audit.action, subjectType: 'lookup', subjectId: audit.requester ?? '(unauthenticated)', details: { requester: audit.requester, ...audit.details } });
    } catch (err) {
      this.logger.warn(`audit ${audit.action} not written: ${errorMessage(err)}`);
    }
  }
}

function refused(requester: string | null, code: string, message: string, details: Record<string, unknown> = {}, retryAfterSeconds?: number): Outcome {
  const requestId = typeof details.requestId === 'string' ? details.requestId : undefined;
  return {
    answer: refusal(code, message, { ...(requestId ? { requestId } : {}), ...(retryAfterSeconds ? { retryAfterSeconds } : {}) }),
    audit: { action: 'lookup.refused', requester, details: { ...details, code, ...(retryAfterSeconds ? { retryAfterSeconds } : {}) } },
  };
}
