import { Inject, Injectable, Logger } from '@nestjs/common';
import { verifyCheckpoint, verifyWitnessSignature, type Checkpoint, type CheckpointErrorCode, type WitnessErrorCode, type WitnessStatement } from '@palermo/bundles';
import type { FeedVerdict, LogMessage } from '@palermo/federation';
import { Store } from '@palermo/store';
import { SignerKeys } from '../keys/signer.keys';
import { NODE_CONFIG, NODE_KEYS, type NodeConfig, type NodeKeys } from '../node/node-context';
import { parseLogJson, RefusedLogMessage } from './log.message';

/** A countersignature is one checkpoint plus two signatures: a few KiB. */
const MAX_WITNESS_BYTES = 32 * 1024;

/**
 * The publisher's side of witnessing: a countersignature of one of this node's checkpoints counts
 * only when signed by the PINNED key of the witness the subject names (the server lets only that
 * node publish there), or an earlier key of its history for a countersignature made before its
 * rotation, and when the checkpoint it carries is one this node signed (with its current key, or an
 * earlier one for a checkpoint made before this node rotated: keys/signer.keys.ts) and stored. A
 * checkpoint signed with this node's key that it never stored means its key signed another history:
 * quarantined as LOG_WITNESSED_UNKNOWN_CHECKPOINT and audited. Stored once per witness and checkpoint.
 */
@Injectable()
export class LogWitnessInbox {
  private readonly logger = new Logger('LogWitnessInbox');

  constructor(
    private readonly store: Store,
    private readonly signers: SignerKeys,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(NODE_KEYS) private readonly keys: NodeKeys,
  ) {}

  readonly handle = async (msg: LogMessage): Promise<FeedVerdict> => {
    const checked = await this.check(msg);
    if (checked instanceof RefusedLogMessage) return this.refuse(msg, checked);
    const { duplicate } = await this.store.feedLog.addWitness(checked);
    if (!duplicate) this.logger.log(`checkpoint ${checked.treeSize} countersigned by ${checked.witness}`);
    return 'ack';
  };

  private async check(msg: LogMessage) {
    const witness = msg.witness!;
    if (msg.payload.byteLength > MAX_WITNESS_BYTES) return new RefusedLogMessage('WITNESS_TOO_LARGE', `${msg.payload.byteLength} bytes, at most ${MAX_WITNESS_BYTES}`);
    const partner = await this.store.partners.get(witness);
    if (!partner) return new RefusedLogMessage('WITNESS_UNKNOWN_NODE', `${witness} is not a pinned partner of this node`);
    const raw = parseLogJson(msg.payload);
    if (raw === undefined) return new RefusedLogMessage('WITNESS_MALFORMED', 'not UTF-8 JSON');
    const verified = await this.signers.verifyWithHistory<{ ok: true; statement: WitnessStatement }, { ok: false; code: WitnessErrorCode; message: string }>(
      partner,
      (v) => v.statement.at,
      (key) => verifyWitnessSignature(raw, key, { witness }),
      { catchUpOn: 'WITNESS_SIGNER_MISMATCH' },
    );
    if (!verified.ok) return new RefusedLogMessage(verified.code, verified.message);
    const { statement } = verified.verified;
    const ours = await this.signers.verifyWithOwnHistory<{ ok: true; checkpoint: Checkpoint }, { ok: false; code: CheckpointErrorCode; message: string }>(
      this.keys.publicKey,
      (v) => v.checkpoint.at,
      (key) => verifyCheckpoint(statement.checkpoint, key, { publisher: this.config.nodeId }),
    );
    if (!ours.ok) return new RefusedLogMessage('WITNESS_CHECKPOINT_INVALID', `the countersigned checkpoint is not this node's: ${ours.code} ${ours.message}`);
    const stored = await this.store.feedLog.checkpointAt(ours.verified.checkpoint.treeSize);
    if (!stored || stored.rootHash !== ours.verified.checkpoint.rootHash) {
      return new RefusedLogMessage('LOG_WITNESSED_UNKNOWN_CHECKPOINT', `${witness} countersigned a checkpoint signed with this node's key that it never made: size ${ours.verified.checkpoint.treeSize}, root ${ours.verified.checkpoint.rootHash}`);
    }
    return { checkpointId: stored.id, treeSize: stored.treeSize, witness, signer: statement.signer, at: statement.at, signed: raw };
  }

  private async refuse(msg: LogMessage, reason: RefusedLogMessage): Promise<FeedVerdict> {
    const { duplicate } = await this.store.quarantine.add({
      publisher: msg.witness ?? null,
      audience: null,
      subject: msg.subject,
      streamSeq: msg.streamSeq,
      payload: msg.payload,
      headers: {},
      code: reason.code,
      message: reason.message,
      auditAction: 'log.witness.refused',
    });
    if (!duplicate) this.logger.warn(`refused countersignature on ${msg.subject} #${msg.streamSeq}: ${reason.code} ${reason.message}`);
    return 'ack';
  }
}
