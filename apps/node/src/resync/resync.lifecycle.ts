import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ResyncChannel } from '@palermo/federation';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { ResyncResponder } from './resync.responder';

/** Answers partners' resync requests on `palermo.v1.resync.<this node>` while the node runs. */
@Injectable()
export class ResyncLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private served?: { stop(): Promise<void> };

  constructor(
    private readonly channel: ResyncChannel,
    private readonly responder: ResyncResponder,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  onApplicationBootstrap(): void {
    // In the background: the subscription needs NATS, and boot must not wait for it.
    this.served = this.channel.serve(this.config.nodeId, this.responder.answer);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.served?.stop();
  }
}
