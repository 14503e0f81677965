import { Inject, Injectable } from '@nestjs/common';
import { MAX_RESYNC_SPAN } from '@palermo/bundles';
import { audiencesFor, resyncFeedMessage } from '@palermo/federation';
import { DomainError } from '@palermo/indicators';
import { Store, type ActorRef } from '@palermo/store';
import { ImportService } from '../import/import.service';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { ChainStates } from './chain.states';
import { ResyncClient, type ResyncPage } from './resync.client';

/** Answers one rebuild of one chain follows; a longer chain is finished by running the rebuild again (it goes on after the local head). */
export const MAX_REBUILD_PAGES = 10_000;

/** What one rebuilt chain came to. */
export interface RebuiltChain {
  audience: string;
  /** The first seq asked for. */
  fromSeq: number;
  /** The publisher's last published seq, as its first answer named it: the rebuild never asks beyond it. */
  headSeq: number | null;
  /** Bundles the publisher sent. */
  fetched: number;
  /** Of those, already stored here (by hash). */
  alreadyHad: number;
  imported: number;
  quarantined: number;
  /** Why the rebuild stopped before that head, with a stable code; null when it got there. */
  stopped: { code: string; message: string } | null;
}

/**
 * Rebuilds a partner's chains addressed to this node: asks the publisher for every bundle from
 * seq 1 (from scratch) or after the local head, and runs each through the importer's one pipeline
 * (verify → duplicate → chain → policy → one transaction). Idempotent by hash: a second run imports nothing.
 */
@Injectable()
export class ResyncService {
  constructor(
    private readonly store: Store,
    private readonly client: ResyncClient,
    private readonly importer: ImportService,
    private readonly states: ChainStates,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  async rebuild(partner: string, options: { audience?: string; fromScratch?: boolean }, actor: ActorRef | null): Promise<{ partner: string; chains: RebuiltChain[] }> {
    if (!(await this.store.partners.get(partner))) throw new DomainError('PARTNER_NOT_FOUND', `${partner} is not a pinned partner`);
    const addressed = audiencesFor(this.config.nodeId);
    if (options.audience !== undefined && !addressed.includes(options.audience)) {
      throw new DomainError('RESYNC_AUDIENCE_INVALID', `${options.audience} is not a chain addressed to ${this.config.nodeId} (${addressed.join(' or ')})`);
    }
    const chains: RebuiltChain[] = [];
    for (const audience of options.audience ? [options.audience] : addressed) chains.push(await this.rebuildChain(partner, audience, options.fromScratch === true));
    await this.store.audit.append({ actor, action: 'resync.rebuilt', subjectType: 'partner', subjectId: partner, details: { fromScratch: options.fromScratch === true, chains } });
    return { partner, chains };
  }

  /**
   * The answers are unsigned, so the publisher's word bounds nothing but itself: the head named in
   * its first answer caps every later request, each answer must go on at the seq asked for without
   * a hole, at most MAX_REBUILD_PAGES answers are followed, and a quarantined bundle the chain needed
   * (past the local head: nothing after it can continue the chain) ends the rebuild.
   */
  private async rebuildChain(publisher: string, audience: string, fromScratch: boolean): Promise<RebuiltChain> {
    const head = await this.store.bundles.chainHead(publisher, audience);
    const fromSeq = fromScratch ? 1 : (head?.seq ?? 0) + 1;
    const result: RebuiltChain = { audience, fromSeq, headSeq: null, fetched: 0, alreadyHad: 0, imported: 0, quarantined: 0, stopped: null };
    let next = fromSeq;
    for (let pages = 0; result.stopped === null; pages += 1) {
      if (pages === MAX_REBUILD_PAGES) {
        result.stopped = { code: 'RESYNC_REBUILD_PAGE_LIMIT', message: `stopped after ${pages} answers at seq ${next}; run the rebuild again (without fromScratch) to go on` };
        break;
      }
      const limit = result.headSeq;
      const page = await this.client.page(publisher, audience, next, limit === null ? undefined : Math.min(limit, next + MAX_RESYNC_SPAN - 1));
      if (limit === null) result.headSeq = page.headSeq;
      if (result.headSeq === null || next > result.headSeq) break;
      result.stopped = await this.importPage(publisher, audience, page, result, next);
      next = fromSeq + result.fetched;
      if (result.stopped === null && next > result.headSeq) break;
      if (result.stopped === null && page.bundles.length === 0) {
        result.stopped = { code: 'RESYNC_ANSWER_EMPTY', message: `the publisher named its head ${result.headSeq} but sent nothing from seq ${next}` };
      }
    }
    if (result.stopped) this.states.broken(publisher, audience, `${result.stopped.code}: ${result.stopped.message}`);
    else if (result.quarantined === 0 && (await this.store.bundles.chainHead(publisher, audience))?.seq === result.headSeq) this.states.healed(publisher, audience);
    return result;
  }

  /** Runs one answer's bundles through the importer in order; why to stop, if the answer or a bundle says so. */
  private async importPage(publisher: string, audience: string, page: ResyncPage, result: RebuiltChain, from: number): Promise<RebuiltChain['stopped']> {
    let next = from;
    for (const bundle of page.bundles) {
      if (bundle.seq !== next || next > result.headSeq!) {
        return { code: 'RESYNC_ANSWER_NOT_CONTIGUOUS', message: `the publisher answered seq ${bundle.seq} where ${next} was due (its first answer named head ${result.headSeq})` };
      }
      result.fetched += 1;
      const outcome = await this.importer.process(resyncFeedMessage(bundle), false);
      if (outcome === 'duplicate') result.alreadyHad += 1;
      else if (outcome === 'imported') result.imported += 1;
      else if (outcome === 'quarantined') {
        result.quarantined += 1;
        // One this node already holds (a re-verification that fails) leaves the chain as it is; one it lacks breaks it.
        if (((await this.store.bundles.chainHead(publisher, audience))?.seq ?? 0) < next) {
          return { code: 'RESYNC_BUNDLE_QUARANTINED', message: `seq ${next} (${bundle.hash}) was quarantined; nothing after it can continue the chain` };
        }
      }
      next += 1;
    }
    return null;
  }
}
