import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { signatureIssuer } from '@palermo/bundles';
import { isTransientNatsError, ReceiptChannel } from '@palermo/federation';
import { errorMessage } from '@palermo/indicators';
import { Store } from '@palermo/store';
import { KickedWorker } from '../node/kicked.worker';
import { NODE_CONFIG, NODE_KEYS, type NodeConfig, type NodeKeys } from '../node/node-context';

/** How often unpublished receipts are tried again (NATS down, a publisher's stream not there yet). */
const RETRY_MS = 3_000;
const BATCH = 100;

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

  private async drain(): Promise<void> {
    // A publisher whose stream does not answer is skipped for this round, not the others behind it.
    const unreachable = new Set<string>();
    let after = '0';
    while (!this.worker.stopped) {
      const batch = await this.store.receipts.pending(BATCH, after);
      if (batch.length === 0) return;
      for (const receipt of batch) {
        after = receipt.id;
        if (unreachable.has(receipt.publisher) || this.worker.stopped) continue;
        try {
          await this.channel.publish({
            publisher: receipt.publisher,
            recipient: this.config.nodeId,
            receiptHash: receipt.receiptHash,
            payload: receipt.bytes,
            signature: receipt.signature,
            // The key that signed it, which is not the current one for a receipt signed before a rotation.
            signerFingerprint: (await signatureIssuer(receipt.signature)) ?? this.keys.fingerprint,
          });
          await this.store.receipts.markPublished(receipt.id);
        } catch (err) {
          unreachable.add(receipt.publisher);
          await this.store.receipts.markFailed(receipt.id, errorMessage(err)).catch(() => undefined);
          if (receipt.attempts === 0 || !isTransientNatsError(err)) this.logger.warn(`receipt ${receipt.receiptHash.slice(0, 12)} for ${receipt.publisher} not published yet: ${errorMessage(err)}`);
        }
      }
    }
  }
}
