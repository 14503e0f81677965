import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { DomainError } from '@palermo/indicators';
import type { FeedChainReader } from './feed-chain.reader';
import { FEED_HEADERS } from './feed.publisher';
import { errorMessage } from './federation.errors';
import { assertNodeId, parseReceiptSubject, receiptConsumerName, receiptStreamName, receiptStreamSubject, receiptSubject } from './federation.subjects';
import type { ChainRef, FeedVerdict } from './federation.types';
import type { NatsConnection } from './nats.connection';
import { ensureOwnedStream, followStream, publishToStream } from './owned-stream';
import { receiptStreamConfig } from './stream.configs';

const HASH = /^[0-9a-f]{64}$/;

/** One receipt to send back to a bundle's publisher. */
export interface ReceiptPublishInput {
  /** The bundle's publisher (owner of the receipts stream). */
  publisher: string;
  /** This node, which signed the receipt. */
  recipient: string;
  /** SHA-256 of the receipt's canonical bytes: the Nats-Msg-Id. */
  receiptHash: string;
  /** The receipt's canonical bytes. */
  payload: Uint8Array;
  /** Binary detached signature; sent base64-encoded. */
  signature: Uint8Array;
  /** Fingerprint of the signing key. */
  signerFingerprint: string;
}

/** A receipt as the publisher's handler sees it: who sent it comes from the subject, never from the body. */
export interface ReceiptMessage {
  publisher: string;
  recipient: string;
  subject: string;
  payload: Uint8Array;
  headers: Record<string, string>;
  streamSeq: number;
  redelivered: boolean;
}

/** Options of ReceiptChannel.follow(). */
export interface ReceiptFollowOptions {
  /** This node: receipts about its bundles are read. */
  publisher: string;
  /** Processes one receipt; 'retry' or a throw delivers it again later. */
  handler: (msg: ReceiptMessage) => Promise<FeedVerdict> | FeedVerdict;
  /** Told about every error the loop survives. */
  onError?: (error: unknown, chain: ChainRef) => void;
}

/**
 * Receipts over JetStream. Each publisher owns a stream `PALERMO_RECEIPTS_<P>` of the subjects
 * `palermo.v1.receipt.<P>.*`; a recipient R publishes its signed receipt on `palermo.v1.receipt.<P>.<R>`
 * (the server lets R publish only there), and P reads its stream through one durable pull consumer.
 * The stream outlives P's process, so a receipt sent while P is offline waits for it.
 */
export class ReceiptChannel implements OnModuleDestroy {
  private readonly logger = new Logger('ReceiptChannel');
  private readonly readers = new Set<FeedChainReader>();

  constructor(private readonly connection: NatsConnection) {}

  /** Use this publisher's receipts stream, or create it where this node may (receiptStreamConfig()); else STREAM_NOT_PROVISIONED. */
  async ensureStream(publisher: string): Promise<void> {
    await ensureOwnedStream(this.connection, receiptStreamConfig(publisher), 'RECEIPT_STREAM_CONFLICT');
  }

  /**
   * Publish one signed receipt to its publisher's receipts stream. NATS_UNAVAILABLE when NATS is down
   * or the publisher's stream does not exist yet (nobody answers): the outbox keeps it and retries.
   */
  async publish(input: ReceiptPublishInput): Promise<{ duplicate: boolean }> {
    const subject = receiptSubject(input.publisher, input.recipient);
    if (typeof input.receiptHash !== 'string' || !HASH.test(input.receiptHash)) throw new DomainError('INVALID_RECEIPT_HASH', 'receiptHash must be a lower-case hex SHA-256');
    const h = natsHeaders();
    h.set(FEED_HEADERS.hash, input.receiptHash);
    h.set(FEED_HEADERS.signer, input.signerFingerprint);
    h.set(FEED_HEADERS.signature, Buffer.from(input.signature).toString('base64'));
    const { duplicate } = await publishToStream(this.connection, {
      subject,
      stream: receiptStreamName(input.publisher),
      payload: input.payload,
      msgId: input.receiptHash,
      headers: h,
      what: `receipt ${input.receiptHash} on ${subject}`,
    });
    return { duplicate };
  }

  /** Read the receipts about `publisher`'s bundles, one at a time, through its durable consumer. */
  follow(options: ReceiptFollowOptions): { ready: Promise<void>; stop: () => Promise<void> } {
    const { publisher, handler } = options;
    assertNodeId(publisher, 'publisher');
    const chain: ChainRef = { publisher, audience: '*', durable: receiptConsumerName(publisher) };
    const onError = options.onError ?? ((err: unknown) => this.logger.warn(`${chain.durable}: ${errorMessage(err)}`));
    return followStream(
      this.connection,
      this.readers,
      chain,
      { stream: receiptStreamName(publisher), filter: receiptStreamSubject(publisher) },
      (msg) => {
        const parsed = parseReceiptSubject(msg.subject);
        // The stream captures only palermo.v1.receipt.<publisher>.*, so this cannot fail; never trust it anyway.
        if (!parsed || parsed.publisher !== publisher) return 'ack';
        const { payload, headers, streamSeq, redelivered, subject } = msg;
        return handler({ publisher, recipient: parsed.recipient, subject, payload, headers, streamSeq, redelivered });
      },
      { ackWaitMs: 10_000, retryDelayMs: 1_000, maxRetryDelayMs: 30_000, pullExpiresMs: 5_000 },
      onError,
    );
  }

  /** @internal Nest hook: stop reading before the connection closes. */
  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.readers].map((r) => r.stop()));
  }
}
