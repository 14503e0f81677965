import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { armorSignature, signDetached } from '@palermo/bundles';
import { AUDIT_CHECKPOINT_SPEC, auditCheckpointBytes, Store, type AuditCheckpointRecord } from '@palermo/store';
import { CheckpointSchedule } from '../node/checkpoint.schedule';
import { NODE_CONFIG, NODE_KEYS, type NodeConfig, type NodeKeys } from '../node/node-context';
import { checkpointIntervalMs } from './audit.config';

/**
 * Signs the head of the audit log with the node's OpenPGP key: every
 * PALERMO_AUDIT_CHECKPOINT_INTERVAL_MS when the log moved, at boot, and on demand. A checkpoint
 * fixes the log up to its seq: an entry deleted or rewritten below it shows against the signature
 * even if whoever did it also recomputed every hash and moved the head.
 */
@Injectable()
export class AuditCheckpointer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuditCheckpointer');
  private readonly schedule = new CheckpointSchedule(this.logger, 'audit checkpoint', checkpointIntervalMs(), () => this.sign());

  constructor(
    private readonly store: Store,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(NODE_KEYS) private readonly keys: NodeKeys,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.schedule.stop();
  }

  /**
   * Signs the current head now, or returns the newest checkpoint when it already covers the head
   * (or joins a signing in progress). Null while the log is empty.
   */
  checkpointNow(): Promise<AuditCheckpointRecord | null> {
    return this.schedule.now();
  }

  private async sign(): Promise<AuditCheckpointRecord | null> {
    const head = await this.store.audit.head();
    if (head.hash === null) return null;
    const latest = await this.store.audit.latestCheckpoint();
    if (latest && latest.seq === head.seq && latest.hash === head.hash && latest.signer === this.keys.fingerprint) return latest;
    const statement = { spec: AUDIT_CHECKPOINT_SPEC, node: this.config.nodeId, seq: head.seq, hash: head.hash, at: new Date().toISOString() } as const;
    // One read of the live key for both (a rotation may swap it during the await).
    const { privateKey, fingerprint } = this.keys;
    const signature = armorSignature(await signDetached(auditCheckpointBytes(statement), privateKey));
    const { spec: _spec, ...fields } = statement;
    return this.store.audit.addCheckpoint({ ...fields, signer: fingerprint, signature });
  }
}
