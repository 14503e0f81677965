import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { isTransientNatsError, KeyChannel } from '@palermo/federation';
import { errorMessage } from '@palermo/indicators';
import { Store } from '@palermo/store';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';

const RETRY_MS = 3_000;
const ENSURE_RETRY_MS = 2_000;

/**
 * Owns this node's key stream and publishes the rotation and revocation statements that the key
 * changes left in the outbox (key_statement, direction out), in order. A statement stays pending
 * until the stream acknowledged it and is retried every few seconds and at every boot, so a crash
 * or an outage loses none; the stream keeps it for partners that are offline.
 */
@Injectable()
export class KeyOutbox implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('KeyOutbox');
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private streamReady = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly channel: KeyChannel,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), RETRY_MS);
    this.timer.unref();
    void this.flush();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Publish what is pending now; resolves when a round that started after this call is done (one round at a time, coalesced). */
  flush(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      // The round under way may have read the outbox before the caller's statement committed: wait for the next one too.
      this.again = true;
      return this.running.then(() => this.running ?? undefined);
    }
    this.running = this.drain()
      .catch((err) => this.logger.warn(`key outbox: ${errorMessage(err)}`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          void this.flush();
        }
      });
    return this.running;
  }

  private async ensureStream(): Promise<boolean> {
    if (this.streamReady) return true;
    try {
      await this.channel.ensureStream(this.config.nodeId);
      this.streamReady = true;
    } catch (err) {
      this.logger.warn(`could not create the key stream yet (${errorMessage(err)}); retrying in ${ENSURE_RETRY_MS} ms`);
    }
    return this.streamReady;
  }

  private async drain(): Promise<void> {
    if (!(await this.ensureStream())) return;
    for (const statement of await this.store.keyHistory.pendingOut()) {
      if (this.stopped) return;
      try {
        const { streamSeq } = await this.channel.publish({ publisher: this.config.nodeId, statementHash: statement.statementHash, payload: statement.bytes });
        await this.store.keyHistory.markPublished(statement.id, streamSeq);
        this.logger.log(`key statement ${statement.statementHash.slice(0, 12)} published (stream seq ${streamSeq})`);
      } catch (err) {
        await this.store.keyHistory.markFailed(statement.id, errorMessage(err)).catch(() => undefined);
        if (statement.attempts === 0 || !isTransientNatsError(err)) this.logger.warn(`key statement ${statement.statementHash.slice(0, 12)} not published yet: ${errorMessage(err)}`);
        // In order: a revocation never overtakes the rotation before it.
        return;
      }
    }
  }
}
