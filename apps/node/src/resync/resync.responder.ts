import { Inject, Injectable, Logger } from '@nestjs/common';
import { fingerprintOf, parseResyncRequest, signDetached, verifyResyncRequest, type ResyncRequest, type SignedResyncRequest } from '@palermo/bundles';
import { type ResyncAnswer, type ResyncBundle, type ResyncRequestMessage } from '@palermo/federation';
import { COMMUNITY_AUDIENCE, errorMessage } from '@palermo/indicators';
import { Store, type PartnerRecord } from '@palermo/store';
import { RESYNC_CONFIG, type ResyncConfig } from '../config/resync.config';
import { allowsExport } from '../export/export.audiences';
import { OutboundMessages, type StoredOutbound } from '../export/outbound.message';
import { KeysLifecycle } from '../keys/keys.lifecycle';
import { PinnedKeys } from '../keys/pinned-keys.cache';
import { NODE_CONFIG, NODE_KEYS, type NodeConfig, type NodeKeys } from '../node/node-context';
import { PartnerNonces, replyNotToRequester } from '../node/partner-request.check';

/** Bundles read from the database per request; the transport sends as many as fit in one reply. */
const PAGE_LIMIT = 64;

type Refusal = Extract<ResyncAnswer, { ok: false }>;

/**
 * The publisher's side of resync: answers a partner's signed request with the bundles it actually
 * published on a chain addressed to that partner (its own while an agreement covering export is in
 * force — revocations alone otherwise — or `all`), each as the live feed carried it (OutboundMessages),
 * signed afresh by the current key where its stored signer has been rotated away. Everything else
 * is an explicit refusal with a stable code, and every answer and refusal is audited.
 */
@Injectable()
export class ResyncResponder {
  private readonly logger = new Logger('ResyncResponder');
  private readonly keys = new PinnedKeys();
  private readonly nonces: PartnerNonces;

  constructor(
    private readonly store: Store,
    private readonly outbound: OutboundMessages,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(NODE_KEYS) private readonly nodeKeys: NodeKeys,
    @Inject(RESYNC_CONFIG) private readonly resync: ResyncConfig,
    private readonly lifecycle: KeysLifecycle,
  ) {
    this.nonces = new PartnerNonces(resync.maxSkewMs);
  }

  readonly answer = async (req: ResyncRequestMessage): Promise<ResyncAnswer> => {
    const { answer, request } = await this.decide(req);
    await this.audit(answer, request, req);
    return answer;
  };

  private async decide(req: ResyncRequestMessage): Promise<{ answer: ResyncAnswer; request?: ResyncRequest }> {
    const parsed = parseResyncRequest(req.payload);
    if (!parsed.ok) return { answer: refuse(parsed.code, parsed.message) };
    const { request } = parsed.signed;
    const partner = await this.store.partners.get(request.requester);
    if (!partner) return { answer: refuse('RESYNC_UNKNOWN_REQUESTER', `${request.requester} is not a pinned partner of ${this.config.nodeId}`), request };
    const now = new Date();
    const verified = await this.verifyRequest(parsed.signed, partner, now);
    if (!verified.ok) return { answer: refuse(verified.code, verified.message), request };
    const misdirected = replyNotToRequester(req.reply, request.requester);
    if (misdirected) return { answer: refuse('RESYNC_REPLY_NOT_REQUESTER', misdirected), request };
    const nonce = this.nonces.claim(request.requester, request.nonce, now.getTime());
    if (nonce === 'replayed') return { answer: refuse('RESYNC_REPLAYED', `nonce ${request.nonce} was already used`), request };
    if (nonce === 'full') return { answer: refuse('RESYNC_UNAVAILABLE', 'too many requests right now; ask again later'), request };
    // Without an agreement in force, the partner's own chain still carries revocations (they only remove data): those alone may be resent.
    const revocationsOnly = request.audience !== COMMUNITY_AUDIENCE && !allowsExport(await this.store.agreements.activeFor(request.requester), now);
    const answer = await this.bundles(request, revocationsOnly);
    if (revocationsOnly && answer.ok && answer.bundles.length === 0 && answer.headSeq !== null && request.fromSeq <= answer.headSeq) {
      return { answer: refuse('RESYNC_NO_AGREEMENT', `no agreement with ${request.requester} covering export is in force; seq ${request.fromSeq} carries indicators`), request };
    }
    return { answer, request };
  }

  /**
   * Verifies against the requester's pinned key. A requester that has just rotated signs with a key
   * whose rotation statement may still wait in its key stream: a request by a key other than the pin
   * first lets those statements through (as for bundles, SignerKeys), then is judged against the pin.
   */
  private async verifyRequest(signed: SignedResyncRequest, partner: PartnerRecord, now: Date) {
    const verify = async (pinned: PartnerRecord) => verifyResyncRequest(signed, { self: this.config.nodeId, requesterKey: await this.keys.get(pinned), now, maxSkewMs: this.resync.maxSkewMs });
    const first = await verify(partner);
    if (first.ok || first.code !== 'RESYNC_SIGNATURE_INVALID' || signed.request.signer === partner.fingerprint) return first;
    await this.lifecycle.catchUp(partner.nodeId);
    const current = await this.store.partners.get(partner.nodeId);
    return current && current.fingerprint !== partner.fingerprint ? verify(current) : first;
  }

  private async bundles(request: ResyncRequest, revocationsOnly: boolean): Promise<ResyncAnswer> {
    const range = await this.store.bundles.publishedRange(this.config.nodeId, request.audience, { fromSeq: request.fromSeq, toSeq: request.toSeq, limit: PAGE_LIMIT });
    const bundles: ResyncBundle[] = [];
    for (const stored of range.bundles) {
      if (revocationsOnly && stored.upsertCount > 0) break;
      bundles.push({ ...(await this.attested(stored)), seq: stored.seq, streamSeq: stored.streamSeq });
    }
    const last = bundles[bundles.length - 1];
    const end = Math.min(request.toSeq ?? Infinity, range.headSeq ?? 0);
    return { ok: true, publisher: this.config.nodeId, audience: request.audience, headSeq: range.headSeq, bundles, more: last !== undefined && last.seq < end };
  }

  /**
   * The live message of a stored bundle, re-signed by this node's current key when the stored signer
   * is an earlier one. A partner judges a resynced bundle now, against our key history now: after a
   * rotation it may no longer accept the old key (after a key-compromise revocation, nothing signed
   * by it is accepted, since nothing proves when it signed), so the original signature would make
   * the gap unhealable. Signing the same canonical bytes (same hash, same chain) with the key the
   * partner trusts today re-attests what we published, now; the live feed keeps what it stored.
   */
  private async attested(stored: StoredOutbound) {
    const message = await this.outbound.build(stored);
    // One read of the live key: a rotation between two reads must not pair a signature with the wrong signer.
    const key = this.nodeKeys.privateKey;
    const current = fingerprintOf(key);
    if (stored.signer === current) return message;
    return { ...message, signerFingerprint: current, signature: await signDetached(stored.bytes, key) };
  }

  private async audit(answer: ResyncAnswer, request: ResyncRequest | undefined, req: ResyncRequestMessage): Promise<void> {
    const asked = request ? { requester: request.requester, audience: request.audience, fromSeq: request.fromSeq, toSeq: request.toSeq ?? null, nonce: request.nonce } : { payloadSize: req.payload.byteLength };
    const event = answer.ok
      ? { action: 'resync.answered', details: { ...asked, bundles: answer.bundles.length, seqs: answer.bundles.length ? [answer.bundles[0]!.seq, answer.bundles[answer.bundles.length - 1]!.seq] : [], headSeq: answer.headSeq } }
      : { action: 'resync.refused', details: { ...asked, code: answer.code, message: answer.message.slice(0, 500) } };
    if (!answer.ok) this.logger.warn(`resync request refused: ${answer.code} ${answer.message}`);
    try {
      await this.store.audit.append({ actor: null, subjectType: 'chain', subjectId: `${this.config.nodeId}/${request?.audience ?? '?'}`, ...event });
    } catch (err) {
      this.logger.warn(`audit ${event.action} not written: ${errorMessage(err)}`);
    }
  }
}

function refuse(code: string, message: string): Refusal {
  return { ok: false, code, message };
}
