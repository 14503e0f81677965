import { Injectable, Logger } from '@nestjs/common';
import { checkChain } from '@palermo/bundles';
import type { FeedMessage, FeedVerdict } from '@palermo/federation';
import { Store } from '@palermo/store';
import { DomainError } from '@palermo/indicators';
import type { OutgoingReceipt } from '@palermo/store';
import { ReceiptIssuer } from '../receipts/receipt.issuer';
import { LogInclusionChecker } from '../log/log.inclusion.checker';
import { ReceiptOutbox } from '../receipts/receipt.outbox';
import { GapHealer, type ImportOutcome } from '../resync/gap.healer';
import { BundleVerifier, type VerifiedBundle } from './bundle.verifier';
import { ImportDecider, type ImportPlan } from './import.decider';
import { QuarantineReason } from './quarantine.reason';

/**
 * Imports one feed message: verify → (already have it?) → chain (a gap is healed by resync first)
 * → policy → one transaction. Returns 'ack' only once the outcome (imported, duplicate or
 * quarantined) is committed; 'retry' while a gap waits for its publisher; anything thrown makes
 * the subscriber redeliver later, so a crash loses nothing.
 */
@Injectable()
export class ImportService {
  private readonly logger = new Logger('ImportService');

  constructor(
    private readonly store: Store,
    private readonly verifier: BundleVerifier,
    private readonly decider: ImportDecider,
    private readonly issuer: ReceiptIssuer,
    private readonly outbox: ReceiptOutbox,
    private readonly gaps: GapHealer,
    private readonly logInclusions: LogInclusionChecker,
  ) {}

  readonly handle = async (msg: FeedMessage): Promise<FeedVerdict> => ((await this.process(msg, true)) === 'retry' ? 'retry' : 'ack');

  /**
   * The one import pipeline, for live and resynced messages alike. With `healGaps`, a bundle that
   * does not continue its chain first has the chain healed by resync (GapHealer); without it (the
   * resynced bundles themselves, filled in order) a broken link is quarantined as it is.
   */
  async process(msg: FeedMessage, healGaps: boolean): Promise<ImportOutcome> {
    const verified = await this.verifier.verify(msg);
    if (verified instanceof QuarantineReason) return this.quarantine(msg, verified);
    const { bundle, hash } = verified;
    if (await this.store.bundles.exists(hash)) return 'duplicate';
    const head = await this.store.bundles.chainHead(bundle.publisher, bundle.audience);
    const chain = checkChain(head, bundle);
    if (!chain.ok) {
      if (!healGaps || !this.gaps.heals(chain.code)) return this.quarantine(msg, new QuarantineReason(chain.code, chain.message, { bundle, hash }));
      const healed = await this.gaps.heal({ msg, verified, chain, head }, (resynced) => this.process(resynced, false));
      // Otherwise the healer has already run this bundle through process(msg, false) once its chain was filled.
      return healed instanceof QuarantineReason ? this.quarantine(msg, healed) : healed;
    }
    const outcome = await this.importVerified(msg, verified);
    if (outcome !== 'quarantined') this.gaps.continued(bundle.publisher, bundle.audience);
    return outcome;
  }

  private async importVerified(msg: FeedMessage, verified: VerifiedBundle): Promise<ImportOutcome> {
    const { bundle, hash } = verified;
    // Read per bundle, not cached: a suspension rejects the very next bundle from that partner.
    const now = new Date();
    // The policy's baseline rejects everything unless this agreement is in effect and covers import.
    const agreement = await this.store.agreements.activeFor(bundle.publisher);
    const plan = this.decider.decide(verified, agreement, now);
    // Revocations are honoured whatever the agreement's state: a revoke only ever removes data.
    const revocations = bundle.entries.flatMap((e) => (e.op === 'revoke' ? [{ originNode: bundle.publisher, originId: e.id, reason: e.reason }] : []));
    const receipt = await this.issue(() => this.issuer.imported(bundle, hash, plan.decisions, now));
    const outcome = await this.commit(msg, verified, plan, revocations, receipt);
    if (outcome instanceof QuarantineReason) return this.quarantine(msg, outcome);
    if (outcome === 'imported') this.outbox.kick();
    // Off the hot path: proving the bundle is in its publisher's feed log waits for a covering checkpoint.
    if (outcome === 'imported') this.logInclusions.kick(bundle.publisher);
    this.logger.log(`${outcome} ${bundle.publisher}/${bundle.audience}#${bundle.seq} ${hash.slice(0, 12)}: ${summarize(plan.decisions)}`);
    return outcome;
  }

  private async commit(
    msg: FeedMessage,
    { bundle, hash, bytes, signature, signer, encryptedTo }: VerifiedBundle,
    { decisions, policyVersion, agreementId, expiresAt }: ImportPlan,
    revocations: { originNode: string; originId: string; reason: string }[],
    receipt: OutgoingReceipt | undefined,
  ): Promise<'imported' | 'duplicate' | QuarantineReason> {
    try {
      return await this.store.imports.commitImport({
        bundle,
        hash,
        // Values this node pseudonymized or rejected must not survive in clear inside the stored bundle.
        // The canonical bytes (decrypted, if they came encrypted): what the hash and signature cover.
        bytes: decisions.every((d) => d.action === 'accept') ? bytes : null,
        encryptedTo,
        policyVersion,
        agreementId,
        expiresAt,
        signature,
        signer,
        streamSeq: msg.streamSeq,
        decisions,
        revocations,
        receipt,
      });
    } catch (err) {
      // Refused on every redelivery as well: quarantine it rather than stall the chain forever.
      if (err instanceof DomainError && err.code === 'BUNDLE_UNSTORABLE') return new QuarantineReason(err.code, err.message, { bundle, hash });
      throw err;
    }
  }

  private async quarantine(msg: FeedMessage, reason: QuarantineReason): Promise<'quarantined'> {
    const record = { publisher: msg.publisher, audience: msg.audience, subject: msg.subject, streamSeq: msg.streamSeq, payload: msg.payload };
    let duplicate: boolean;
    const { about } = reason;
    const receipt = about ? await this.issue(() => this.issuer.quarantined(about.bundle, about.hash, reason.code)) : undefined;
    try {
      ({ duplicate } = await this.store.quarantine.add({ ...record, headers: msg.headers, code: reason.code, message: reason.message, receipt }));
    } catch (err) {
      // A record the database refuses would be redelivered forever and stall the chain: keep the
      // bytes with a minimal reason instead. (If the database is down, this throws too and we retry.)
      this.logger.warn(`quarantine record for ${msg.subject} #${msg.streamSeq} refused (${(err as Error).message}); storing a minimal one`);
      ({ duplicate } = await this.store.quarantine.add({ ...record, headers: {}, code: 'QUARANTINE_RECORD_INVALID', message: `reason ${reason.code} could not be stored` }));
    }
    if (!duplicate) this.logger.warn(`quarantined ${msg.subject} #${msg.streamSeq}: ${reason.code} ${reason.message}`);
    if (!duplicate && receipt) this.outbox.kick();
    return 'quarantined';
  }

  /** A receipt that cannot be made must never block or lose an import: log it and go on without. */
  private async issue(make: () => Promise<OutgoingReceipt>): Promise<OutgoingReceipt | undefined> {
    try {
      return await make();
    } catch (err) {
      this.logger.warn(`no receipt issued: ${(err as Error).message}`);
      return undefined;
    }
  }
}

function summarize(decisions: { action: string }[]): string {
  const counts = new Map<string, number>();
  for (const d of decisions) counts.set(d.action, (counts.get(d.action) ?? 0) + 1);
  return [...counts].map(([a, n]) => `${n} ${a}`).join(', ') || 'no upserts';
}
