import { Inject, Injectable } from '@nestjs/common';
import { audiencesFor, resyncFeedMessage } from '@palermo/federation';
import { DomainError } from '@palermo/indicators';
import { Store, type ActorRef } from '@palermo/store';
import { ImportService } from '../import/import.service';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { ChainStates } from './chain.states';
import { ResyncClient } from './resync.client';

/** What one rebuilt chain came to. */
export interface RebuiltChain {
  audience: string;
  /** The first seq asked for. */
  fromSeq: number;
  /** The publisher's last published seq, as it answered. */
  headSeq: number | null;
  /** Bundles the publisher sent. */
  fetched: number;
  /** Of those, already stored here (by hash). */
  alreadyHad: number;
  imported: number;
  quarantined: number;
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

  private async rebuildChain(publisher: string, audience: string, fromScratch: boolean): Promise<RebuiltChain> {
    const head = await this.store.bundles.chainHead(publisher, audience);
    const fromSeq = fromScratch ? 1 : (head?.seq ?? 0) + 1;
    const result: RebuiltChain = { audience, fromSeq, headSeq: null, fetched: 0, alreadyHad: 0, imported: 0, quarantined: 0 };
    let next = fromSeq;
    for (;;) {
      const page = await this.client.page(publisher, audience, next);
      result.headSeq = page.headSeq;
      for (const bundle of page.bundles) {
        result.fetched += 1;
        const outcome = await this.importer.process(resyncFeedMessage(bundle), false);
        if (outcome === 'duplicate') result.alreadyHad += 1;
        else if (outcome === 'imported') result.imported += 1;
        else if (outcome === 'quarantined') result.quarantined += 1;
      }
      const last = page.bundles[page.bundles.length - 1];
      if (!last || page.headSeq === null || last.seq >= page.headSeq) break;
      next = last.seq + 1;
    }
    if (result.quarantined === 0 && (await this.store.bundles.chainHead(publisher, audience))?.seq === result.headSeq) this.states.healed(publisher, audience);
    return result;
  }
}
