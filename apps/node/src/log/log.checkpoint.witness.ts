import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { canonicalJson, detectFork, makeWitnessSignature, verifyCheckpoint, type Checkpoint, type CheckpointErrorCode, type NodePublicKey, type SignedCheckpoint } from '@palermo/bundles';
import { LogChannel, type FeedVerdict, type LogMessage } from '@palermo/federation';
import { DomainError } from '@palermo/indicators';
import { Store } from '@palermo/store';
import { SignerKeys } from '../keys/signer.keys';
import { NODE_CONFIG, NODE_KEYS, type NodeConfig, type NodeKeys } from '../node/node-context';
import { LogInclusionChecker } from './log.inclusion.checker';
import { parseLogJson, RefusedLogMessage } from './log.message';
import { LogProofClient } from './log.proof.client';

/** A signed checkpoint is about 1 KiB; anything much larger is refused unparsed. */
const MAX_CHECKPOINT_BYTES = 16 * 1024;

/**
 * This node as a witness of a partner's feed log: every checkpoint the partner publishes is checked
 * against its PINNED key (or an earlier key of its history for a checkpoint made before a rotation,
 * keys/signer.keys.ts; a checkpoint by a key not yet known waits for the partner's key statements), then against the last checkpoint this node verified of it (same size →
 * same root; otherwise the publisher's consistency proof must verify, and the log may not shrink).
 * A consistent checkpoint becomes the newest verified one, the imported bundles it may cover are
 * queued for inclusion proofs, and this node countersigns it back to the publisher. A fork is kept
 * as evidence (both signed checkpoints), audited, quarantined as LOG_FORK and never countersigned.
 */
@Injectable()
export class LogCheckpointWitness {
  private readonly logger = new Logger('LogCheckpointWitness');

  constructor(
    private readonly store: Store,
    private readonly channel: LogChannel,
    private readonly proofs: LogProofClient,
    private readonly inclusions: LogInclusionChecker,
    private readonly signers: SignerKeys,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(NODE_KEYS) private readonly keys: NodeKeys,
  ) {}

  readonly handle = async (msg: LogMessage): Promise<FeedVerdict> => {
    const { publisher } = msg;
    const partner = await this.store.partners.get(publisher);
    if (!partner) return this.refuse(msg, new RefusedLogMessage('CHECKPOINT_UNPINNED_PUBLISHER', `${publisher} is not a pinned partner of this node`));
    if (msg.payload.byteLength > MAX_CHECKPOINT_BYTES) return this.refuse(msg, new RefusedLogMessage('CHECKPOINT_TOO_LARGE', `${msg.payload.byteLength} bytes, at most ${MAX_CHECKPOINT_BYTES}`));
    const raw = parseLogJson(msg.payload);
    if (raw === undefined) return this.refuse(msg, new RefusedLogMessage('CHECKPOINT_MALFORMED', 'not UTF-8 JSON'));
    const verified = await this.signers.verifyWithHistory<{ ok: true; checkpoint: Checkpoint }, { ok: false; code: CheckpointErrorCode; message: string }>(
      partner,
      (v) => v.checkpoint.at,
      (key) => verifyCheckpoint(raw, key, { publisher }),
      { catchUpOn: 'CHECKPOINT_SIGNER_MISMATCH' },
    );
    if (!verified.ok) return this.refuse(msg, new RefusedLogMessage(verified.code, verified.message));
    const signed = raw as SignedCheckpoint;
    const last = await this.store.logPartners.state(publisher);
    if (last) {
      const refused = await this.checkConsistent(msg, last.signed as SignedCheckpoint, signed);
      if (refused) return this.refuse(msg, refused);
    }
    await this.store.logPartners.recordVerified(publisher, { treeSize: signed.checkpoint.treeSize, rootHash: signed.checkpoint.rootHash, signed });
    this.inclusions.kick(publisher);
    await this.countersign(publisher, verified.key, signed);
    return 'ack';
  };

  /** Undefined when `next` extends (or equals, or is a prefix of) `last`; the refusal otherwise (a fork is recorded first). */
  private async checkConsistent(msg: LogMessage, last: SignedCheckpoint, next: SignedCheckpoint): Promise<RefusedLogMessage | undefined> {
    const [m, n] = [last.checkpoint.treeSize, next.checkpoint.treeSize].sort((a, b) => a - b) as [number, number];
    let proof: string[] | undefined;
    if (m > 0 && m < n) {
      const answer = await this.proofs.ask(msg.publisher, { type: 'consistency', fromSize: m, toSize: n });
      if (answer.type === 'error') return new RefusedLogMessage('LOG_CONSISTENCY_UNPROVEN', `${msg.publisher} gives no consistency proof from ${m} to ${n}: ${answer.code} ${answer.message}`);
      if (answer.type !== 'consistency') throw new DomainError('LOG_PROOF_ANSWER_INVALID', 'not a consistency proof');
      proof = answer.proof;
    }
    const check = detectFork(last, next, proof);
    if (check.status === 'consistent') return undefined;
    if (check.status === 'unproven') return new RefusedLogMessage('LOG_CONSISTENCY_UNPROVEN', check.message);
    const { report } = check;
    const { duplicate } = await this.store.logPartners.recordFork({ publisher: msg.publisher, code: 'LOG_FORK', reason: report.reason, message: report.message, evidence: report });
    if (!duplicate) this.logger.error(`FORK in ${msg.publisher}'s feed log: ${report.reason} ${report.message}`);
    return new RefusedLogMessage('LOG_FORK', `${report.reason}: ${report.message}`);
  }

  private async countersign(publisher: string, publisherKey: NodePublicKey, signed: SignedCheckpoint): Promise<void> {
    const witness = await makeWitnessSignature({ witness: this.config.nodeId, signedCheckpoint: signed, publisherArmoredPublicKey: publisherKey, publisher, privateKey: this.keys.privateKey });
    const bytes = new TextEncoder().encode(canonicalJson(witness));
    // A failure throws: the checkpoint is delivered again, found consistent again, and countersigned then.
    await this.channel.publishWitness(publisher, this.config.nodeId, bytes, createHash('sha256').update(bytes).digest('hex'));
  }

  private async refuse(msg: LogMessage, reason: RefusedLogMessage): Promise<FeedVerdict> {
    const { duplicate } = await this.store.quarantine.add({
      publisher: msg.publisher,
      audience: null,
      subject: msg.subject,
      streamSeq: msg.streamSeq,
      payload: msg.payload,
      headers: {},
      code: reason.code,
      message: reason.message,
      auditAction: 'log.checkpoint.refused',
    });
    if (!duplicate) this.logger.warn(`refused checkpoint on ${msg.subject} #${msg.streamSeq}: ${reason.code} ${reason.message}`);
    return 'ack';
  }
}
