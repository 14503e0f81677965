import { Inject, Injectable } from '@nestjs/common';
import { LookupChannel } from '@palermo/federation';
import { DomainError, errorMessage } from '@palermo/indicators';
import type { IndicatorType as IndicatorLookupType } from '@palermo/indicators';
import { blind, finalize, LOOKUP_MATCH_RESULT_SPEC, LOOKUP_MATCH_SPEC, LOOKUP_REQUEST_SPEC, LOOKUP_RESPONSE_SPEC } from '@palermo/lookups';
import { LOOKUP_CONFIG, type LookupConfig } from '../config/lookup.config';
import { NODE_CONFIG, NODE_KEYS, type NodeConfig, type NodeKeys } from '../node/node-context';
import { readAnswer, sealLookup } from './lookup.envelope';
import { v7 as uuidv7 } from 'uuid';

/** One partner's answer to a lookup, as POST /lookups reports it. */
export interface PartnerLookupResult {
  partner: string;
  result: 'hit' | 'no-hit' | 'refused' | 'unreachable';
  /** On a hit: the partner's opaque reference of the matched record (for a disclosure request). */
  reference?: string;
  /** On refused/unreachable: the stable code (the partner's, or LOOKUP_UNREACHABLE / LOOKUP_ANSWER_MALFORMED). */
  reason?: string;
  /** On refused: the partner's message. */
  message?: string;
  /** On LOOKUP_RATE_LIMITED: when the partner will answer again. */
  retryAfterSeconds?: number;
  /** The request id both sides audit under. */
  requestId: string;
}

/**
 * The querier's side of one lookup with one partner: blind with a FRESH blind (never reused across
 * partners: the same blinded element at two partners would link the lookups), request, finalize,
 * match. The blind and the PRF output live only in this call's memory.
 */
@Injectable()
export class LookupQuerier {
  constructor(
    private readonly channel: LookupChannel,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(NODE_KEYS) private readonly keys: NodeKeys,
    @Inject(LOOKUP_CONFIG) private readonly lookup: LookupConfig,
  ) {}

  /** Asks `partner` about `input` (lookupInput of the normalized value); never throws for what the partner does. */
  async ask(partner: string, input: Uint8Array, type: IndicatorLookupType, purpose: string): Promise<PartnerLookupResult> {
    const requestId = uuidv7();
    const blinded = blind(input);
    try {
      const request = { spec: LOOKUP_REQUEST_SPEC, requester: this.config.nodeId, responder: partner, type, blindedElement: blinded.blindedElement, purpose, requestId, at: new Date().toISOString() } as const;
      const first = readAnswer(await this.send(partner, await sealLookup(this.config.nodeId, request, this.keys.privateKey)), LOOKUP_RESPONSE_SPEC);
      if (first.kind !== 'answer') return this.failed(partner, requestId, first);
      if (first.message.requestId !== requestId) return { partner, requestId, result: 'unreachable', reason: 'LOOKUP_ANSWER_MALFORMED', message: 'the response names another requestId' };
      const output = finalize(input, blinded.blind, first.message.evaluatedElement);
      if (!output.ok) return { partner, requestId, result: 'refused', reason: output.code, message: output.message };
      const match = { spec: LOOKUP_MATCH_SPEC, requestId, prfOutput: output.prfOutput, keyEpoch: first.message.keyEpoch } as const;
      const second = readAnswer(await this.send(partner, await sealLookup(this.config.nodeId, match, this.keys.privateKey)), LOOKUP_MATCH_RESULT_SPEC);
      if (second.kind !== 'answer') return this.failed(partner, requestId, second);
      if (second.message.requestId !== requestId) return { partner, requestId, result: 'unreachable', reason: 'LOOKUP_ANSWER_MALFORMED', message: 'the match result names another requestId' };
      return second.message.hit ? { partner, requestId, result: 'hit', reference: second.message.reference } : { partner, requestId, result: 'no-hit' };
    } catch (err) {
      if (err instanceof DomainError && err.code === 'LOOKUP_UNREACHABLE') return { partner, requestId, result: 'unreachable', reason: err.code, message: err.message };
      throw err;
    } finally {
      blinded.blind.fill(0);
    }
  }

  private send(partner: string, bytes: Uint8Array): Promise<Uint8Array> {
    return this.channel.request(partner, bytes, this.lookup.timeoutMs);
  }

  private failed(partner: string, requestId: string, answer: Exclude<ReturnType<typeof readAnswer>, { kind: 'answer' }>): PartnerLookupResult {
    if (answer.kind === 'malformed') return { partner, requestId, result: 'unreachable', reason: 'LOOKUP_ANSWER_MALFORMED', message: errorMessage(answer.message) };
    const { code, message, retryAfterSeconds } = answer.refusal;
    return { partner, requestId, result: 'refused', reason: code, message, ...(retryAfterSeconds ? { retryAfterSeconds } : {}) };
  }
}
