import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LookupChannel } from '@palermo/federation';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { LookupResponder } from './lookup.responder';

/** Answers partners' lookups on `palermo.v1.lookup.<this node>` while the node runs. */
@Injectable()
export class LookupLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private served?: { stop(): Promise<void> };

  constructor(
    private readonly channel: LookupChannel,
    private readonly responder: LookupResponder,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  onApplicationBootstrap(): void {
    // In the background: the subscription needs NATS, and boot must not wait for it.
    this.served = this.channel.serve(this.config.nodeId, this.responder.handle, this.responder.unavailable);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.served?.stop();
  }
}
