import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ChainCheck, ChainHead } from '@palermo/bundles';
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
/** healed: the chain now continues to the revealing bundle; retry: wait (not acked); a reason: give up and quarantine. */
export type HealResult = 'healed' | 'retry' | QuarantineReason;

/** The failed chain check of a verified bundle that arrived on the live feed. */
export interface BrokenLink {
  msg: FeedMessage;
  verified: VerifiedBundle;
  chain: Extract<ChainCheck, { ok: false }>;
  head: ChainHead | null;
}

// Failures a later attempt may cure: the publisher down or slow, a refusal (e.g. it has not pinned us yet), a garbled answer.
const WAIT_CODES = new Set(['RESYNC_UNREACHABLE', 'RESYNC_REFUSED', 'RESYNC_ANSWER_MALFORMED']);

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
      if (result === 'healed') {
        this.states.healed(publisher, audience);
        await this.audit('resync.healed', link, { fromSeq: missing.fromSeq, toSeq: missing.toSeq });
        this.logger.log(`healed ${publisher}/${audience}: seq ${missing.fromSeq}–${missing.toSeq} resynced before #${bundle.seq}`);
        return 'healed';
      }
      return await this.giveUp(link, result);
    } catch (err) {
      if (!(err instanceof DomainError) || !WAIT_CODES.has(err.code)) throw err;
      const since = this.states.waitingSince(publisher, audience, hash) ?? Date.now();
      if (link.msg.deliveryCount < this.config.maxAttempts && Date.now() - since < this.config.maxWaitMs) {
        this.states.waiting(publisher, audience, err.message);
        this.logger.warn(`${publisher}/${audience} waits at seq ${missing.fromSeq} (attempt ${link.msg.deliveryCount}): ${err.message}`);
        return 'retry';
      }
      const why = `${link.chain.message}; resync gave up after ${link.msg.deliveryCount} attempts over ${Math.round((Date.now() - since) / 1000)} s: ${err.message}`;
      return this.giveUp(link, new QuarantineReason(link.chain.code, why, { bundle, hash }));
    }
  }

  /** Imports the missing seqs in order, page by page; a reason when the publisher cannot supply one of them. */
  private async fill(link: BrokenLink, missing: { fromSeq: number; toSeq: number }, apply: ApplyMessage): Promise<'healed' | QuarantineReason> {
    const { bundle, hash } = link.verified;
    const refuse = (why: string) => new QuarantineReason(link.chain.code, `${link.chain.message}; ${why}`, { bundle, hash });
    let next = missing.fromSeq;
    while (next <= missing.toSeq) {
      const page = await this.client.page(bundle.publisher, bundle.audience, next, missing.toSeq);
      const first = page.bundles[0];
      if (!first || first.seq !== next) return refuse(`the publisher has no published seq ${next} (its head is ${page.headSeq ?? 'empty'})`);
      for (const resynced of page.bundles) {
        if (resynced.seq !== next || next > missing.toSeq) return refuse(`the publisher answered seq ${resynced.seq} where ${next} was due`);
        const outcome = await apply(resyncFeedMessage(resynced));
        if (outcome === 'quarantined') return refuse(`the publisher's seq ${next} (${resynced.hash}) was quarantined`);
        if (outcome === 'retry') throw new DomainError('RESYNC_UNREACHABLE', `importing resynced seq ${next} must be retried`);
        next += 1;
      }
    }
    return 'healed';
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
