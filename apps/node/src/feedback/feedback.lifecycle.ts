import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { FeedbackChannel } from '@palermo/federation';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { retryUntil } from '../node/retry.until';
import { FeedbackInbox } from './feedback.inbox';

/** Owns this node's feedback stream (what partners address to it) and reads it. */
@Injectable()
export class FeedbackLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('FeedbackLifecycle');
  private follow?: { stop(): Promise<void> };
  private stopped = false;
  private starting?: Promise<void>;

  constructor(
    private readonly channel: FeedbackChannel,
    private readonly inbox: FeedbackInbox,
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
    if (!(await retryUntil(this.logger, 'create the feedback stream', () => this.stopped, () => this.channel.ensureStream(this.config.nodeId)))) return;
    this.follow = this.channel.follow({ to: this.config.nodeId, handler: this.inbox.handle });
  }
}
