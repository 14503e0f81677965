import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ReceiptChannel } from '@palermo/federation';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { OwnStreamFollower } from '../node/own-stream.follower';
import { ReceiptInbox } from './receipt.inbox';

/** Owns this node's receipts stream (receipts about its bundles) and reads it. */
@Injectable()
export class ReceiptsLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly follower: OwnStreamFollower;

  constructor(channel: ReceiptChannel, inbox: ReceiptInbox, @Inject(NODE_CONFIG) config: NodeConfig) {
    this.follower = new OwnStreamFollower(
      new Logger('ReceiptsLifecycle'),
      'create the receipts stream',
      () => channel.ensureStream(config.nodeId),
      () => channel.follow({ publisher: config.nodeId, handler: inbox.handle }),
    );
  }

  onApplicationBootstrap(): void {
    this.follower.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.follower.stop();
  }
}
