import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { verifyBundleInclusion, type LogProofAnswer, type SignedCheckpoint } from '@palermo/bundles';
import { logCheckpointSubject } from '@palermo/federation';
import { DomainError, errorMessage } from '@palermo/indicators';
import { Store } from '@palermo/store';
import { LogProofClient } from './log.proof.client';

const BATCH = 100;
/**
 * A bundle the publisher says it created this long before it signed a checkpoint is covered by that
 * checkpoint: its leaf is appended in the transaction that stores it, before it is ever published.
 * The margin leaves room for a long export pass between cutting a bundle and committing it.
 */
export const COVERED_AFTER_MS = 10 * 60_000;
const RETRY_FIRST_MS = 5_000;
const RETRY_MAX_MS = 5 * 60_000;

/** Why a publisher's pending inclusions are not being proven right now, and when they are asked again. */
export interface InclusionRetry {
  attempts: number;
  lastError: string;
  retryAt: string;
}

type Outcome = 'ok' | 'wait' | { transient: string } | { reason: string; message: string };

/**
 * Proves, off the import path, that every bundle this node imported from a publisher is in that
 * publisher's feed log: for each imported bundle not yet log-verified, it asks for an inclusion
 * proof at the newest checkpoint it verified and checks it against that checkpoint's root. A bundle
 * appended after that checkpoint waits for a later one.
 *
 * Only evidence marks the publisher forked (LOG_INCLUSION_FAILED, kept, audited, quarantined, for
 * good): a proof that does not lead to the signed root, or LOG_HASH_UNKNOWN for a bundle the
 * publisher signed well before it signed the checkpoint (two signed statements its answer
 * contradicts; an honest log cannot lose a leaf). Anything else — no answer, LOG_PROOF_UNAVAILABLE,
 * an answer that is not a proof, any other error code — proves nothing (answers are unsigned): the
 * bundles stay pending and are asked again with a bounded backoff. Runs per publisher, coalesced,
 * when an import commits and when a checkpoint is verified.
 */
@Injectable()
export class LogInclusionChecker implements OnApplicationShutdown {
  private readonly logger = new Logger('LogInclusionChecker');
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly retries = new Map<string, InclusionRetry & { timer: NodeJS.Timeout }>();
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly proofs: LogProofClient,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const retry of this.retries.values()) clearTimeout(retry.timer);
    await Promise.all(this.running.values());
  }

  /**
   * Check `publisher`'s pending imports now (one run at a time per publisher): something happened
   * (an import committed, a checkpoint was verified), so a scheduled retry is not waited for.
   */
  kick(publisher: string): void {
    if (this.stopped) return;
    if (this.running.has(publisher)) {
      this.again.add(publisher);
      return;
    }
    const run = this.run(publisher)
      .then(() => this.clearRetry(publisher))
      .catch((err: unknown) => this.retryLater(publisher, err))
      .finally(() => {
        this.running.delete(publisher);
        if (this.again.delete(publisher)) this.kick(publisher);
      });
    this.running.set(publisher, run);
  }

  /** A periodic check: like kick, unless a transient failure scheduled the next try for later. */
  retryDue(publisher: string): void {
    const retry = this.retries.get(publisher);
    if (!retry || Date.parse(retry.retryAt) <= Date.now()) this.kick(publisher);
  }

  /** Resolves when no run is in progress (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  /** The scheduled retry of `publisher`'s inclusion proofs after a transient failure, or null. */
  retryState(publisher: string): InclusionRetry | null {
    const retry = this.retries.get(publisher);
    return retry ? { attempts: retry.attempts, lastError: retry.lastError, retryAt: retry.retryAt } : null;
  }

  private retryLater(publisher: string, err: unknown): void {
    const attempts = (this.retries.get(publisher)?.attempts ?? 0) + 1;
    clearTimeout(this.retries.get(publisher)?.timer);
    const delay = Math.min(RETRY_FIRST_MS * 2 ** Math.min(attempts - 1, 16), RETRY_MAX_MS);
    const lastError = errorMessage(err).slice(0, 500);
    this.logger.warn(`inclusion proofs from ${publisher} wait (attempt ${attempts}, again in ${delay} ms): ${lastError}`);
    const timer = setTimeout(() => this.kick(publisher), delay).unref();
    this.retries.set(publisher, { attempts, lastError, retryAt: new Date(Date.now() + delay).toISOString(), timer });
  }

  private clearRetry(publisher: string): void {
    clearTimeout(this.retries.get(publisher)?.timer);
    this.retries.delete(publisher);
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
      for (const { hash, pos, createdAt } of pending) {
        after = pos;
        // A throw (publisher offline, or it cannot compute the proof now) ends the run: what is
        // proven so far is kept, the rest is asked again later.
        const answer = await this.proofs.ask(publisher, { type: 'inclusion', bundleHash: hash, treeSize: checkpoint.treeSize }).catch((err: unknown) => err);
        const outcome = answer instanceof Error ? { transient: errorMessage(answer) } : this.judge(hash, createdAt, answer as LogProofAnswer, signed);
        if (outcome === 'wait') continue;
        if (outcome === 'ok') proven.push({ bundleHash: hash, leafIndex: (answer as { leafIndex: number }).leafIndex, treeSize: checkpoint.treeSize });
        else if ('transient' in outcome) {
          await this.store.logPartners.recordInclusions(publisher, proven);
          throw new DomainError('LOG_PROOF_UNAVAILABLE', `bundle ${hash.slice(0, 12)}: ${outcome.transient}`);
        } else await this.failed(publisher, hash, signed, answer as LogProofAnswer, outcome.reason, outcome.message);
      }
      await this.store.logPartners.recordInclusions(publisher, proven);
    }
  }

  private judge(hash: string, createdAt: string, answer: LogProofAnswer, signed: SignedCheckpoint): Outcome {
    const { checkpoint } = signed;
    if (answer.type === 'error') {
      if (answer.code === 'LOG_NOT_COVERED') return 'wait';
      if (answer.code !== 'LOG_HASH_UNKNOWN') return { transient: `${answer.code}: ${answer.message}` };
      // Not yet evidence: a later checkpoint covers it (or an honest publisher answers with a proof then).
      if (Date.parse(checkpoint.at) - Date.parse(createdAt) < COVERED_AFTER_MS) return 'wait';
      return { reason: answer.code, message: `${checkpoint.publisher} signed bundle ${hash} at ${createdAt} and a checkpoint of ${checkpoint.treeSize} at ${checkpoint.at}, yet says its log has no such leaf: ${answer.message}` };
    }
    if (answer.type !== 'inclusion') return { transient: `answered a ${answer.type} proof to an inclusion request` };
    const checked = verifyBundleInclusion(hash, answer.leafIndex, answer.proof, checkpoint);
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
