import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { encryptBundle, signatureIssuer } from '@palermo/bundles';
import { FeedbackChannel } from '@palermo/federation';
import { DomainError } from '@palermo/indicators';
import { Store, type PendingFeedback } from '@palermo/store';
import { PinnedKeys } from '../keys/pinned-keys.cache';
import { KickedWorker } from '../node/kicked.worker';
import { drainOutbox } from '../node/outbox.drain';
import { NODE_CONFIG, NODE_KEYS, type NodeConfig, type NodeKeys } from '../node/node-context';

/** How often unpublished feedback is tried again (NATS down, a partner's stream not there yet). */
const RETRY_MS = 3_000;

/**
 * Publishes the signed feedback (sightings, disputes, resolutions, disclosure requests and decisions)
 * that the features' transactions left in the outbox. A message stays pending until the partner's
 * feedback stream acknowledged it, and is tried again every few seconds and at every boot, so a
 * crash or an outage loses none; the message hash is the Nats-Msg-Id, so a retry stores nothing twice.
 * Every message travels encrypted to the key pinned for its recipient at the time it is sent (like an
 * encrypted bundle: the signature covers the canonical bytes inside; the ciphertext is never stored).
 */
@Injectable()
export class FeedbackOutbox implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('FeedbackOutbox');
  private readonly worker = new KickedWorker(this.logger, 'feedback outbox', () => this.drain());
  private readonly pinned = new PinnedKeys();

  constructor(
    private readonly store: Store,
    private readonly channel: FeedbackChannel,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(NODE_KEYS) private readonly keys: NodeKeys,
  ) {}

  onApplicationBootstrap(): void {
    this.worker.every(RETRY_MS);
    this.worker.kick();
  }

  onApplicationShutdown(): Promise<void> {
    return this.worker.stop();
  }

  /** Publish what is pending, now (coalesced: one drain at a time). Call after the transaction that wrote the row committed. */
  kick(): void {
    this.worker.kick();
  }

  private drain(): Promise<void> {
    return drainOutbox(
      {
        pending: (limit, after) => this.store.feedbackOutbox.pending(limit, after),
        recipientOf: (row) => row.recipient,
        publish: async (row) => {
          const { payload, encryptedTo } = await this.encrypted(row);
          await this.channel.publish({
            to: row.recipient,
            from: this.config.nodeId,
            messageHash: row.messageHash,
            payload,
            encryptedTo,
            signature: row.signature,
            // The key that signed it, which is not the current one for a message signed before a rotation.
            signerFingerprint: (await signatureIssuer(row.signature)) ?? this.keys.fingerprint,
          });
        },
        markPublished: (id) => this.store.feedbackOutbox.markPublished(id),
        markFailed: (id, error) => this.store.feedbackOutbox.markFailed(id, error),
        describe: (row) => `${row.spec} ${row.messageId}`,
      },
      () => this.worker.stopped,
      this.logger,
    );
  }

  /** The row's bytes encrypted to the key pinned for its recipient now (after a rotation, the new one). */
  private async encrypted(row: PendingFeedback): Promise<{ payload: Uint8Array; encryptedTo: string }> {
    const partner = await this.store.partners.get(row.recipient);
    if (!partner) throw new DomainError('PARTNER_NOT_PINNED', `${row.recipient} is no longer a pinned partner; the message waits in the outbox`);
    return { payload: await encryptBundle(row.bytes, await this.pinned.get(partner)), encryptedTo: partner.fingerprint };
  }
}
