import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { FeedPublisher, FeedSubscriber } from '@palermo/federation';
import { Store } from '@palermo/store';
import { ImportService } from '../import/import.service';
import { NODE_CONFIG, type NodeConfig } from './node-context';

const ENSURE_RETRY_MS = 2_000;

/** Owns this node's stream and its subscriptions to every pinned partner's feed. */
@Injectable()
export class FeedLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('FeedLifecycle');
  private readonly following = new Map<string, { stop(): Promise<void> }>();
  private stopped = false;
  private ensuring?: Promise<void>;

  constructor(
    private readonly store: Store,
    private readonly publisher: FeedPublisher,
    private readonly subscriber: FeedSubscriber,
    private readonly importer: ImportService,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // In the background: under the nkey configs the stream may wait for the operator (STREAM_NOT_PROVISIONED, in /health).
    this.ensuring = this.ensureOwnStream();
    for (const partner of await this.store.partners.list()) await this.follow(partner.nodeId);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.ensuring;
    await Promise.all([...this.following.values()].map((f) => f.stop()));
  }

  /** Ensure this node's feed stream, retrying until it exists (the exporter also ensures it before publishing). */
  private async ensureOwnStream(): Promise<void> {
    let warned = false;
    while (!this.stopped) {
      try {
        await this.publisher.ensureStream(this.config.nodeId);
        if (warned) this.logger.log('feed stream ready');
        return;
      } catch (err) {
        if (!warned) this.logger.warn(`could not use the feed stream yet (${(err as Error).message}); retrying`);
        warned = true;
        await new Promise((resolve) => setTimeout(resolve, ENSURE_RETRY_MS).unref());
      }
    }
  }

  /** Follows a partner's chains addressed to this node (its own audience and `all`). */
  async follow(partner: string): Promise<void> {
    if (this.following.has(partner)) return;
    const handle = this.subscriber.follow({ subscriber: this.config.nodeId, publisher: partner, handler: this.importer.handle });
    this.following.set(partner, handle);
    this.logger.log(`following ${partner}`);
  }

  /** Partners whose feeds this node follows. */
  followed(): string[] {
    return [...this.following.keys()];
  }
}
