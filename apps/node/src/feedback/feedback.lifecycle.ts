import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { FeedbackChannel } from '@palermo/federation';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { OwnStreamFollower } from '../node/own-stream.follower';
import { FeedbackInbox } from './feedback.inbox';

/** Owns this node's feedback stream (what partners address to it) and reads it. */
@Injectable()
export class FeedbackLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly follower: OwnStreamFollower;

  constructor(channel: FeedbackChannel, inbox: FeedbackInbox, @Inject(NODE_CONFIG) config: NodeConfig) {
    this.follower = new OwnStreamFollower(
      new Logger('FeedbackLifecycle'),
      'create the feedback stream',
      () => channel.ensureStream(config.nodeId),
      () => channel.follow({ to: config.nodeId, handler: inbox.handle }),
    );
  }

  onApplicationBootstrap(): void {
    this.follower.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.follower.stop();
  }
}
