import { Inject, Injectable } from '@nestjs/common';
import { makeResyncRequest, resyncRequestBytes } from '@palermo/bundles';
import { ResyncChannel, type ResyncAnswer } from '@palermo/federation';
import { DomainError } from '@palermo/indicators';
import { RESYNC_CONFIG, type ResyncConfig } from '../config/resync.config';
import { NODE_CONFIG, NODE_KEYS, type NodeConfig, type NodeKeys } from '../node/node-context';

/** A publisher's answer that carries bundles. */
export type ResyncPage = Extract<ResyncAnswer, { ok: true }>;

/** Asks a publisher for bundles of one of its chains addressed to this node, with a request signed by this node. */
@Injectable()
export class ResyncClient {
  constructor(
    private readonly channel: ResyncChannel,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(NODE_KEYS) private readonly keys: NodeKeys,
    @Inject(RESYNC_CONFIG) private readonly resync: ResyncConfig,
  ) {}

  /**
   * One page of `publisher`'s chain `audience` from `fromSeq` (to `toSeq`). Throws RESYNC_UNREACHABLE
   * (nobody answered), RESYNC_ANSWER_MALFORMED, or RESYNC_REFUSED with the publisher's code in details.
   */
  async page(publisher: string, audience: string, fromSeq: number, toSeq?: number): Promise<ResyncPage> {
    const signed = await makeResyncRequest({ requester: this.config.nodeId, publisher, audience, fromSeq, toSeq }, this.keys.privateKey);
    const answer = await this.channel.request(publisher, resyncRequestBytes(signed), this.resync.timeoutMs);
    if (!answer.ok) throw new DomainError('RESYNC_REFUSED', `${publisher} refused the resync of ${audience} from seq ${fromSeq}: ${answer.code} ${answer.message}`, { code: answer.code });
    if (answer.publisher !== publisher || answer.audience !== audience) {
      throw new DomainError('RESYNC_ANSWER_MALFORMED', `asked ${publisher}/${audience}, the answer is about ${answer.publisher}/${answer.audience}`);
    }
    return answer;
  }
}
