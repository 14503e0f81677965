import { Inject, Injectable, Logger } from '@nestjs/common';
import { MAX_RESYNC_SPAN, type ChainCheck, type ChainHead } from '@palermo/bundles';
import { resyncFeedMessage, type FeedMessage } from '@palermo/federation';
import { DomainError, errorMessage } from '@palermo/indicators';
import { Store } from '@palermo/store';
import { RESYNC_CONFIG, type ResyncConfig } from '../config/resync.config';
import { BundleVerifier, type VerifiedBundle } from '../import/bundle.verifier';
import { QuarantineReason } from '../import/quarantine.reason';
import { ChainStates } from './chain.states';
import { ResyncClient } from './resync.client';

/** What became of one message in the import pipeline. */
export type ImportOutcome = 'imported' | 'duplicate' | 'quarantined' | 'retry';
/** Runs one (resynced) message through the importer's one pipeline, without healing again. */
export type ApplyMessage = (msg: FeedMessage) => Promise<ImportOutcome>;
/**
 * What became of the revealing bundle once its chain was resynced (imported or duplicate: healed;
 * quarantined: resync did not help), 'retry' to wait (not acked), or a reason to give up and quarantine it.
 */
export type HealResult = ImportOutcome | QuarantineReason;

/** The failed chain check of a verified bundle that arrived on the live feed. */
export interface BrokenLink {
  msg: FeedMessage;
  verified: VerifiedBundle;
  chain: Extract<ChainCheck, { ok: false }>;
  head: ChainHead | null;
}

// Failures a later attempt may cure, waited for up to the configured attempts and time: the publisher
// down or slow, a garbled answer, a refusal it may lift (it has not pinned us or our new key yet, no agreement yet, busy).
const WAIT_CODES = new Set(['RESYNC_UNREACHABLE', 'RESYNC_REFUSED', 'RESYNC_ANSWER_MALFORMED']);
// Refusals of the request itself: the same request gets the same refusal, so waiting only stalls the chain.
const FINAL_REFUSALS = new Set(['RESYNC_MALFORMED', 'RESYNC_OVERSIZE', 'RESYNC_NOT_ADDRESSED', 'RESYNC_REPLY_NOT_REQUESTER']);

/** Whether asking again later may cure a resync failure; any other DomainError (RESYNC_MALFORMED, …) gives up at once. */
function curableLater(err: DomainError): boolean {
  if (err.code !== 'RESYNC_REFUSED') return WAIT_CODES.has(err.code);
  const refusal = (err.details as { code?: unknown } | undefined)?.code;
  return !(typeof refusal === 'string' && FINAL_REFUSALS.has(refusal));
}

/**
 * Step 4½ of a bundle's journey: a verified bundle that does not continue its chain. A seq gap is
 * filled by asking the publisher for the missing bundles, each run through the importer's own
 * pipeline in order; a prev mismatch is told apart by the publisher's copy of our head's seq: the
 * same hash means this bundle is not the publisher's successor (hostile or garbled), another hash
 * means the publisher shows two histories (a fork). While the publisher cannot be asked, the
 * revealing message is not acked, until the configured attempts or time run out.
 */
@Injectable()
export class GapHealer {
  private readonly logger = new Logger('GapHealer');

  constructor(
    private readonly store: Store,
    private readonly client: ResyncClient,
    private readonly verifier: BundleVerifier,
    private readonly states: ChainStates,
    @Inject(RESYNC_CONFIG) private readonly config: ResyncConfig,
  ) {}

  /** Whether a failed chain check is one resync may heal. */
  heals(code: string): boolean {
    return code === 'CHAIN_SEQ_GAP' || code === 'CHAIN_PREV_MISMATCH';
  }

  /** A bundle continued its chain: a gap or break shown for it is over. */
  continued(publisher: string, audience: string): void {
    this.states.continued(publisher, audience);
  }

  async heal(link: BrokenLink, apply: ApplyMessage): Promise<HealResult> {
    const { bundle, hash } = link.verified;
    const { publisher, audience } = bundle;
    const missing = link.chain.code === 'CHAIN_SEQ_GAP' ? { fromSeq: (link.head?.seq ?? 0) + 1, toSeq: bundle.seq - 1 } : { fromSeq: link.head?.seq ?? 1, toSeq: link.head?.seq ?? 1 };
    this.states.resyncing(publisher, audience, missing, hash);
    try {
      const result = link.chain.code === 'CHAIN_SEQ_GAP' ? await this.fill(link, missing, apply) : await this.checkFork(link);
      if (result !== 'filled') return await this.giveUp(link, result);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return this.failed(link, missing, err);
    }
    return this.applyRevealing(link, missing, apply);
  }

  /** A resync that threw: wait while a later attempt may cure it and the bounds allow, else give up with the error in the reason. */
  private async failed(link: BrokenLink, missing: { fromSeq: number; toSeq: number }, err: DomainError): Promise<HealResult> {
    const { bundle, hash } = link.verified;
    const { publisher, audience } = bundle;
    if (!curableLater(err)) {
      const why = `${link.chain.message}; resync cannot heal it (${err.code}): ${err.message}`;
      return this.giveUp(link, new QuarantineReason(link.chain.code, why, { bundle, hash }));
    }
    const since = this.states.waitingSince(publisher, audience, hash) ?? Date.now();
    if (link.msg.deliveryCount < this.config.maxAttempts && Date.now() - since < this.config.maxWaitMs) {
      this.states.waiting(publisher, audience, err.message);
      this.logger.warn(`${publisher}/${audience} waits at seq ${missing.fromSeq} (attempt ${link.msg.deliveryCount}): ${err.message}`);
      return 'retry';
    }
    const why = `${link.chain.message}; resync gave up after ${link.msg.deliveryCount} attempts over ${Math.round((Date.now() - since) / 1000)} s: ${err.message}`;
    return this.giveUp(link, new QuarantineReason(link.chain.code, why, { bundle, hash }));
  }

  /** The gap is filled: the chain is healed only if the revealing bundle now goes in (or was already here). */
  private async applyRevealing(link: BrokenLink, missing: { fromSeq: number; toSeq: number }, apply: ApplyMessage): Promise<ImportOutcome> {
    const { publisher, audience, seq } = link.verified.bundle;
    const outcome = await apply(link.msg);
    if (outcome === 'imported' || outcome === 'duplicate') {
      this.states.healed(publisher, audience);
      await this.audit('resync.healed', link, { fromSeq: missing.fromSeq, toSeq: missing.toSeq, outcome });
      this.logger.log(`healed ${publisher}/${audience}: seq ${missing.fromSeq}–${missing.toSeq} resynced before #${seq}`);
      return outcome;
    }
    const message = `seq ${missing.fromSeq}–${missing.toSeq} were resynced, but the revealing bundle #${seq} was then ${outcome}`;
    this.states.broken(publisher, audience, message);
    await this.audit('resync.gave-up', link, { code: 'RESYNC_REVEALING_NOT_IMPORTED', message, outcome });
    return outcome;
  }

  /**
   * Imports the missing seqs in order, page by page, each request within MAX_RESYNC_SPAN (a wider
   * one is malformed); a reason when the publisher cannot supply one of them.
   */
  private async fill(link: BrokenLink, missing: { fromSeq: number; toSeq: number }, apply: ApplyMessage): Promise<'filled' | QuarantineReason> {
    const { bundle, hash } = link.verified;
    const refuse = (why: string) => new QuarantineReason(link.chain.code, `${link.chain.message}; ${why}`, { bundle, hash });
    let next = missing.fromSeq;
    while (next <= missing.toSeq) {
      const toSeq = Math.min(missing.toSeq, next + MAX_RESYNC_SPAN - 1);
      const page = await this.client.page(bundle.publisher, bundle.audience, next, toSeq);
      const first = page.bundles[0];
      if (!first || first.seq !== next) return refuse(`the publisher has no published seq ${next} (its head is ${page.headSeq ?? 'empty'})`);
      for (const resynced of page.bundles) {
        if (resynced.seq !== next || next > toSeq) return refuse(`the publisher answered seq ${resynced.seq} where ${next} was due`);
        const outcome = await apply(resyncFeedMessage(resynced));
        if (outcome === 'quarantined') return refuse(`the publisher's seq ${next} (${resynced.hash}) was quarantined`);
        if (outcome === 'retry') throw new DomainError('RESYNC_UNREACHABLE', `importing resynced seq ${next} must be retried`);
        next += 1;
      }
    }
    return 'filled';
  }

  /** A prev mismatch at the expected seq: does the publisher's copy of our head's seq agree with our head? */
  private async checkFork({ verified: { bundle, hash }, chain, head }: BrokenLink): Promise<QuarantineReason> {
    const about = { bundle, hash };
    if (head === null) return new QuarantineReason(chain.code, chain.message, about);
    const page = await this.client.page(bundle.publisher, bundle.audience, head.seq, head.seq);
    const theirs = page.bundles.find((b) => b.seq === head.seq);
    if (!theirs) return new QuarantineReason(chain.code, `${chain.message}; the publisher has no published seq ${head.seq}`, about);
    const checked = await this.verifier.verify(resyncFeedMessage(theirs));
    if (checked instanceof QuarantineReason) {
      throw new DomainError('RESYNC_ANSWER_MALFORMED', `the publisher's copy of seq ${head.seq} fails verification: ${checked.code} ${checked.message}`);
    }
    if (checked.hash === head.hash && checked.bundle.seq === head.seq) {
      return new QuarantineReason(chain.code, `${chain.message}; the publisher's seq ${head.seq} is our head, so this bundle does not continue its history`, about);
    }
    return new QuarantineReason(
      'CHAIN_FORK',
      `the publisher shows two histories: its seq ${head.seq} is now ${checked.hash}, this node imported ${head.hash} at that seq; seq ${bundle.seq} names prev ${bundle.prev ?? 'null'}`,
      about,
    );
  }

  private async giveUp(link: BrokenLink, reason: QuarantineReason): Promise<QuarantineReason> {
    const { publisher, audience } = link.verified.bundle;
    this.states.broken(publisher, audience, `${reason.code}: ${reason.message}`);
    await this.audit(reason.code === 'CHAIN_FORK' ? 'resync.fork' : 'resync.gave-up', link, { code: reason.code, message: reason.message.slice(0, 1000) });
    return reason;
  }

  private async audit(action: string, { verified: { bundle, hash }, head }: BrokenLink, details: Record<string, unknown>): Promise<void> {
    try {
      await this.store.audit.append({
        actor: null,
        action,
        subjectType: 'chain',
        subjectId: `${bundle.publisher}/${bundle.audience}`,
        details: { publisher: bundle.publisher, audience: bundle.audience, seq: bundle.seq, bundleHash: hash, headSeq: head?.seq ?? null, headHash: head?.hash ?? null, ...details },
      });
    } catch (err) {
      // The heal itself is committed (or the quarantine follows); an audit row that fails must not undo it.
      this.logger.warn(`audit ${action} not written: ${errorMessage(err)}`);
    }
  }
}
