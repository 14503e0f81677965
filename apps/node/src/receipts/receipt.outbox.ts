import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { signatureIssuer } from '@palermo/bundles';
import { ReceiptChannel } from '@palermo/federation';
import { Store } from '@palermo/store';
import { KickedWorker } from '../node/kicked.worker';
import { drainOutbox } from '../node/outbox.drain';
import { NODE_CONFIG, NODE_KEYS, type NodeConfig, type NodeKeys } from '../node/node-context';

/** How often unpublished receipts are tried again (NATS down, a publisher's stream not there yet). */
const RETRY_MS = 3_000;

/**
 * Publishes the receipts the import transactions left in the outbox. Never in the import's way: an
 * import only calls kick(). A receipt stays pending until the publisher's receipts stream acknowledged
 * it, and is tried again every few seconds and at every boot, so a crash or an outage loses none.
 */
@Injectable()
export class ReceiptOutbox implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ReceiptOutbox');
  private readonly worker = new KickedWorker(this.logger, 'receipt outbox', () => this.drain());

  constructor(
    private readonly store: Store,
    private readonly channel: ReceiptChannel,
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

  /** Publish what is pending, now (coalesced: one drain at a time). */
  kick(): void {
    this.worker.kick();
  }

  private drain(): Promise<void> {
    return drainOutbox(
      {
        pending: (limit, after) => this.store.receipts.pending(limit, after),
        recipientOf: (receipt) => receipt.publisher,
        publish: async (receipt) => {
          await this.channel.publish({
            publisher: receipt.publisher,
            recipient: this.config.nodeId,
            receiptHash: receipt.receiptHash,
            payload: receipt.bytes,
            signature: receipt.signature,
            // The key that signed it, which is not the current one for a receipt signed before a rotation.
            signerFingerprint: (await signatureIssuer(receipt.signature)) ?? this.keys.fingerprint,
          });
        },
        markPublished: (id) => this.store.receipts.markPublished(id),
        markFailed: (id, error) => this.store.receipts.markFailed(id, error),
        describe: (receipt) => `receipt ${receipt.receiptHash.slice(0, 12)}`,
      },
      () => this.worker.stopped,
      this.logger,
    );
  }
}
