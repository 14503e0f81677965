import { Inject, Injectable } from '@nestjs/common';
import { signFeedback, type FeedbackMessage } from '@palermo/bundles';
import type { OutgoingFeedback } from '@palermo/store';
import { v7 as uuidv7 } from 'uuid';
import { NODE_CONFIG, NODE_KEYS, type NodeConfig, type NodeKeys } from '../node/node-context';

type Unsigned<M extends FeedbackMessage> = M extends FeedbackMessage ? Omit<M, 'from' | 'at' | 'id'> & { id?: string; at?: string } : never;

/**
 * Makes the signed outbox row of one feedback message from this node. The caller's repository
 * writes the row in the same transaction as the record it reports, then kicks FeedbackOutbox.
 */
@Injectable()
export class FeedbackSigner {
  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(NODE_KEYS) private readonly keys: NodeKeys,
  ) {}

  /** Signs `message` as this node (id: a new uuid v7 unless given; at: now unless given). */
  async seal(message: Unsigned<FeedbackMessage>): Promise<{ message: FeedbackMessage; row: OutgoingFeedback }> {
    const full = { ...message, id: message.id ?? uuidv7(), from: this.config.nodeId, at: message.at ?? new Date().toISOString() } as FeedbackMessage;
    const signed = await signFeedback(full, this.keys.privateKey);
    return {
      message: signed.message,
      row: { recipient: full.to, spec: full.spec, messageId: full.id, messageHash: signed.hash, bytes: signed.bytes, signature: signed.signature },
    };
  }
}
