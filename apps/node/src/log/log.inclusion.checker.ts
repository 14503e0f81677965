import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { verifyBundleInclusion, type LogProofAnswer, type SignedCheckpoint } from '@palermo/bundles';
import { logCheckpointSubject } from '@palermo/federation';
import { errorMessage } from '@palermo/indicators';
import { Store } from '@palermo/store';
import { LogProofClient } from './log.proof.client';

const BATCH = 100;

/**
 * Proves, off the import path, that every bundle this node imported from a publisher is in that
 * publisher's feed log: for each imported bundle not yet log-verified, it asks for an inclusion
 * proof at the newest checkpoint it verified and checks it against that checkpoint's root. A bundle
 * appended after that checkpoint waits for a later one. A bundle the log does not hold, or a proof
 * that does not verify, means the publisher showed this node a bundle its log hides: evidence is
 * kept, audited and quarantined as LOG_INCLUSION_FAILED. Runs per publisher, coalesced, when an
 * import commits and when a checkpoint is verified.
 */
@Injectable()
export class LogInclusionChecker implements OnApplicationShutdown {
  private readonly logger = new Logger('LogInclusionChecker');
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly proofs: LogProofClient,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running.values());
  }

  /** Check `publisher`'s pending imports now (one run at a time per publisher). */
  kick(publisher: string): void {
    if (this.stopped) return;
    if (this.running.has(publisher)) {
      this.again.add(publisher);
      return;
    }
    const run = this.run(publisher)
      .catch((err) => this.logger.warn(`inclusion proofs from ${publisher}: ${errorMessage(err)}`))
      .finally(() => {
        this.running.delete(publisher);
        if (this.again.delete(publisher)) this.kick(publisher);
      });
    this.running.set(publisher, run);
  }

  /** Resolves when no run is in progress (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  private async run(publisher: string): Promise<void> {
    const state = await this.store.logPartners.state(publisher);
    if (!state) return;
    const signed = state.signed as SignedCheckpoint;
    const { checkpoint } = signed;
    let after = '0';
    while (!this.stopped) {
      const pending = await this.store.logPartners.pendingInclusions(publisher, BATCH, after);
      if (pending.length === 0) return;
      const proven: { bundleHash: string; leafIndex: number; treeSize: number }[] = [];
      for (const { hash, pos } of pending) {
        after = pos;
        // A throw (publisher offline) ends the run: what is proven so far is kept below, the rest waits.
        const answer = await this.proofs.ask(publisher, { type: 'inclusion', bundleHash: hash, treeSize: checkpoint.treeSize }).catch((err: unknown) => err);
        if (answer instanceof Error) {
          await this.store.logPartners.recordInclusions(publisher, proven);
          throw answer;
        }
        const outcome = this.judge(hash, answer as LogProofAnswer, signed);
        if (outcome === 'wait') continue;
        if (outcome === 'ok') proven.push({ bundleHash: hash, leafIndex: (answer as { leafIndex: number }).leafIndex, treeSize: checkpoint.treeSize });
        else await this.failed(publisher, hash, signed, answer as LogProofAnswer, outcome.reason, outcome.message);
      }
      await this.store.logPartners.recordInclusions(publisher, proven);
    }
  }

  private judge(hash: string, answer: LogProofAnswer, signed: SignedCheckpoint): 'ok' | 'wait' | { reason: string; message: string } {
    if (answer.type === 'error') {
      if (answer.code === 'LOG_NOT_COVERED') return 'wait';
      return { reason: answer.code, message: `${signed.checkpoint.publisher} has no proof of bundle ${hash} in its log of ${signed.checkpoint.treeSize}: ${answer.message}` };
    }
    if (answer.type !== 'inclusion') return { reason: 'LOG_PROOF_ANSWER_INVALID', message: 'not an inclusion proof' };
    const checked = verifyBundleInclusion(hash, answer.leafIndex, answer.proof, signed.checkpoint);
    return checked.ok ? 'ok' : { reason: checked.code, message: `bundle ${hash} at leaf ${answer.leafIndex}: ${checked.message}` };
  }

  private async failed(publisher: string, bundleHash: string, checkpoint: SignedCheckpoint, answer: LogProofAnswer, reason: string, message: string): Promise<void> {
    const evidence = { checkpoint, bundleHash, answer };
    const { duplicate } = await this.store.logPartners.recordFork({ publisher, code: 'LOG_INCLUSION_FAILED', reason, message, evidence });
    if (duplicate) return;
    this.logger.error(`bundle ${bundleHash.slice(0, 12)} from ${publisher} is not in its feed log: ${reason} ${message}`);
    await this.store.quarantine.add({
      publisher,
      audience: null,
      subject: logCheckpointSubject(publisher),
      payload: new TextEncoder().encode(JSON.stringify(evidence)),
      headers: {},
      code: 'LOG_INCLUSION_FAILED',
      message: `${reason}: ${message}`,
      auditAction: 'log.inclusion.refused',
    });
  }
}
