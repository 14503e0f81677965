import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ReceiptChannel } from '@palermo/federation';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { retryUntil } from '../node/retry.until';
import { ReceiptInbox } from './receipt.inbox';

/** Owns this node's receipts stream (receipts about its bundles) and reads it. */
@Injectable()
export class ReceiptsLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ReceiptsLifecycle');
  private follow?: { stop(): Promise<void> };
  private stopped = false;
  private starting?: Promise<void>;

  constructor(
    private readonly channel: ReceiptChannel,
    private readonly inbox: ReceiptInbox,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  onApplicationBootstrap(): void {
    // In the background: the stream needs NATS, and boot must not wait for it.
    this.starting = this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.starting;
    await this.follow?.stop();
  }

  private async start(): Promise<void> {
    if (!(await retryUntil(this.logger, 'create the receipts stream', () => this.stopped, () => this.channel.ensureStream(this.config.nodeId)))) return;
    this.follow = this.channel.follow({ publisher: this.config.nodeId, handler: this.inbox.handle });
  }
}
