import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { KeyChannel } from '@palermo/federation';
import { errorMessage } from '@palermo/indicators';
import { Store } from '@palermo/store';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { KeyStatementInbox } from './key-statement.inbox';

/** How long a bundle signed by an unknown key waits for its publisher's key statements to be read. */
const CATCH_UP_MS = 5_000;
const CATCH_UP_POLL_MS = 100;

/** Follows the key stream of every pinned partner (its rotations and revocations), like its feeds. */
@Injectable()
export class KeysLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('KeysLifecycle');
  private readonly following = new Map<string, { ready: Promise<void>; stop(): Promise<void>; pending(): Promise<number> }>();

  constructor(
    private readonly store: Store,
    private readonly channel: KeyChannel,
    private readonly inbox: KeyStatementInbox,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const partner of await this.store.partners.list()) this.follow(partner.nodeId);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.following.values()].map((f) => f.stop()));
  }

  /** Follows a partner's key statements (idempotent). */
  follow(partner: string): void {
    if (this.following.has(partner)) return;
    this.following.set(partner, this.channel.follow({ subscriber: this.config.nodeId, publisher: partner, handler: this.inbox.handle }));
  }

  /**
   * Waits (a few seconds at most) until every key statement of `partner` in its stream has been
   * handled: a bundle signed by a key this node does not know yet may follow a rotation that is still
   * on its way. The publisher puts the statement in its stream before it signs with the new key.
   */
  async catchUp(partner: string): Promise<void> {
    const follow = this.following.get(partner);
    if (!follow) return;
    const deadline = Date.now() + CATCH_UP_MS;
    // Just booted: the durable may not be bound yet.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([follow.ready.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, CATCH_UP_MS)))]);
    clearTimeout(timer);
    while (Date.now() < deadline) {
      try {
        if ((await follow.pending()) === 0) return;
      } catch (err) {
        this.logger.warn(`key statements of ${partner}: ${errorMessage(err)}`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, CATCH_UP_POLL_MS));
    }
  }
}
