import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { canonicalJson, makeCheckpoint } from '@palermo/bundles';
import { isTransientNatsError, LogChannel } from '@palermo/federation';
import { errorMessage } from '@palermo/indicators';
import { Store, type LogCheckpointRecord } from '@palermo/store';
import { CheckpointSchedule } from '../node/checkpoint.schedule';
import { NODE_CONFIG, NODE_KEYS, type NodeConfig, type NodeKeys } from '../node/node-context';
import { logCheckpointIntervalMs } from './log.config';

/**
 * Signs a checkpoint (tree size, root) of this node's feed log every
 * PALERMO_LOG_CHECKPOINT_INTERVAL_MS when new bundles were appended (also at boot and on demand),
 * stores it, then publishes it durably to this node's log stream. A checkpoint stays unpublished
 * until the stream acknowledged it, and is tried again on the next round, so none is lost.
 */
@Injectable()
export class LogCheckpointer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('LogCheckpointer');
  private readonly schedule = new CheckpointSchedule(this.logger, 'feed-log checkpoint', logCheckpointIntervalMs(), () => this.round());

  constructor(
    private readonly store: Store,
    private readonly channel: LogChannel,
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
   * Signs the log's head now unless the newest checkpoint already covers it (then returns that
   * one), and publishes what is unpublished. Null while the log is empty.
   */
  checkpointNow(): Promise<LogCheckpointRecord | null> {
    return this.schedule.now();
  }

  private async round(): Promise<LogCheckpointRecord | null> {
    const latest = await this.sign();
    await this.publishPending();
    return latest ? ((await this.store.feedLog.checkpointAt(latest.treeSize)) ?? latest) : null;
  }

  private async sign(): Promise<LogCheckpointRecord | null> {
    const latest = await this.store.feedLog.latestCheckpoint();
    const head = await this.store.feedLog.head();
    if (head.treeSize === 0 || (latest && latest.treeSize >= head.treeSize)) return latest;
    const signed = await makeCheckpoint({ publisher: this.config.nodeId, treeSize: head.treeSize, rootHash: head.rootHash, privateKey: this.keys.privateKey });
    const stored = await this.store.feedLog.addCheckpoint({ ...head, at: signed.checkpoint.at, signer: signed.checkpoint.signer, signed });
    this.logger.log(`feed-log checkpoint ${stored.treeSize} ${stored.rootHash.slice(0, 12)}`);
    return stored;
  }

  private async publishPending(): Promise<void> {
    for (const checkpoint of await this.store.feedLog.unpublishedCheckpoints()) {
      const bytes = new TextEncoder().encode(canonicalJson(checkpoint.signed));
      try {
        await this.channel.publishCheckpoint(this.config.nodeId, bytes, createHash('sha256').update(bytes).digest('hex'));
        await this.store.feedLog.markCheckpointPublished(checkpoint.id);
      } catch (err) {
        if (!isTransientNatsError(err)) this.logger.warn(`checkpoint ${checkpoint.treeSize} not published yet: ${errorMessage(err)}`);
        return;
      }
    }
  }
}
