import { Injectable } from '@nestjs/common';
import type { LogProofAnswer } from '@palermo/bundles';
import { DomainError } from '@palermo/indicators';
import { Store } from '@palermo/store';
import { LogCheckpointer } from './log.checkpointer';
import { LogInclusionChecker } from './log.inclusion.checker';
import { LogProofService } from './log.proof.service';
import type { LogCheckpointQuery, LogProofQuery } from './log.query';

/** This node's feed log over HTTP: its checkpoints with their witnesses, proofs, and the log section of a partner's status. */
@Injectable()
export class LogService {
  constructor(
    private readonly store: Store,
    private readonly checkpointer: LogCheckpointer,
    private readonly proofs: LogProofService,
    private readonly inclusions: LogInclusionChecker,
  ) {}

  /** Signed checkpoints, newest first, each with the countersignatures received. */
  checkpoints(query: LogCheckpointQuery) {
    return this.store.feedLog.checkpoints({ limit: query.limit ?? 100, cursor: query.cursor });
  }

  /** Signs (and publishes) a checkpoint of the head now, or returns the newest when it covers the head. */
  async checkpointNow() {
    const checkpoint = await this.checkpointer.checkpointNow();
    if (!checkpoint) throw new DomainError('LOG_EMPTY', 'the feed log has no bundle yet: nothing to sign');
    return checkpoint;
  }

  /** A proof about this node's log, as a partner would get it over NATS; an error answer becomes a DomainError. */
  async proof(query: LogProofQuery): Promise<LogProofAnswer & { rootHash?: string }> {
    let answer: LogProofAnswer;
    if (query.hash !== undefined) {
      const treeSize = query.treeSize ?? (await this.store.feedLog.latestCheckpoint())?.treeSize ?? (await this.store.feedLog.size());
      if (treeSize === 0) throw new DomainError('LOG_HASH_UNKNOWN', 'the feed log is empty');
      answer = await this.proofs.answer({ type: 'inclusion', bundleHash: query.hash, treeSize });
    } else {
      const [fromSize, toSize] = [query.fromSize!, query.toSize!];
      if (fromSize > toSize) throw new DomainError('LOG_PROOF_REQUEST_MALFORMED', 'fromSize must not exceed toSize');
      answer = await this.proofs.answer({ type: 'consistency', fromSize, toSize });
    }
    if (answer.type === 'error') throw new DomainError(answer.code, answer.message);
    const size = answer.type === 'inclusion' ? answer.treeSize : answer.toSize;
    const checkpoint = await this.store.feedLog.checkpointAt(size);
    return { ...answer, ...(checkpoint ? { rootHash: checkpoint.rootHash } : {}) };
  }

  /**
   * The `log` section of GET /partners/:id/status: how this node, as a witness, sees that partner's
   * feed log. `inclusionRetry`: the pending bundles wait after a transient failure (not evidence).
   */
  async partnerLog(partner: string) {
    const [state, counts] = await Promise.all([this.store.logPartners.state(partner), this.store.logPartners.inclusionCounts(partner)]);
    const inclusionRetry = this.inclusions.retryState(partner);
    if (!state) return { state: 'unverified' as const, lastVerifiedSize: null, lastVerifiedRoot: null, verifiedAt: null, bundles: counts, inclusionRetry };
    const evidence = state.state === 'forked' ? await this.store.logPartners.forks(partner, 10) : undefined;
    return {
      state: state.state,
      lastVerifiedSize: state.treeSize,
      lastVerifiedRoot: state.rootHash,
      verifiedAt: state.verifiedAt,
      forkedAt: state.forkedAt,
      bundles: counts,
      inclusionRetry,
      ...(evidence ? { evidence } : {}),
    };
  }
}
