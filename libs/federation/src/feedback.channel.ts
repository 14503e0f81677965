import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { DomainError } from '@palermo/indicators';
import type { FeedChainReader } from './feed-chain.reader';
import { FEED_HEADERS } from './feed.publisher';
import { errorMessage } from './federation.errors';
import { assertNodeId, feedbackConsumerName, feedbackStreamName, feedbackStreamSubject, feedbackSubject, parseFeedbackSubject } from './federation.subjects';
import type { ChainRef, FeedVerdict } from './federation.types';
import type { NatsConnection } from './nats.connection';
import { ensureOwnedStream, followStream, publishToStream } from './owned-stream';
import { feedbackStreamConfig } from './stream.configs';

const HASH = /^[0-9a-f]{64}$/;
const FINGERPRINT = /^[0-9a-f]{40,64}$/;

/** One signed feedback message to send to a partner. */
export interface FeedbackPublishInput {
  /** The partner it is addressed to (owner of the feedback stream). */
  to: string;
  /** This node, which signed it. */
  from: string;
  /** SHA-256 of the message's canonical bytes: the Nats-Msg-Id. */
  messageHash: string;
  /** The message's canonical bytes. */
  payload: Uint8Array;
  /** Binary detached signature; sent base64-encoded. */
  signature: Uint8Array;
  /** Fingerprint of the signing key. */
  signerFingerprint: string;
  /** When the payload is an OpenPGP message encrypted to the recipient: that key's fingerprint (header Palermo-Encrypted). */
  encryptedTo?: string;
}

/** A feedback message as the recipient's handler sees it: who sent it comes from the subject, never from the body. */
export interface FeedbackChannelMessage {
  to: string;
  from: string;
  subject: string;
  payload: Uint8Array;
  headers: Record<string, string>;
  streamSeq: number;
  redelivered: boolean;
  /** How many times JetStream has delivered this message (1 the first time). */
  deliveryCount: number;
}

/** Options of FeedbackChannel.follow(). */
export interface FeedbackFollowOptions {
  /** This node: the feedback addressed to it is read. */
  to: string;
  /** Processes one message; 'retry' or a throw delivers it again later. */
  handler: (msg: FeedbackChannelMessage) => Promise<FeedVerdict> | FeedVerdict;
  /** Told about every error the loop survives. */
  onError?: (error: unknown, chain: ChainRef) => void;
}

/**
 * Feedback over JetStream (sightings, disputes and their resolutions, disclosure requests and
 * decisions). Each node N owns a stream `PALERMO_FEEDBACK_<N>` of the subjects
 * `palermo.v1.feedback.<N>.*`; a partner S publishes on `palermo.v1.feedback.<N>.<S>` (the server
 * lets S publish only there), and N reads its stream through one durable pull consumer. The stream
 * outlives N's process, so feedback sent while N is offline waits for it. The node encrypts every
 * message to the recipient's key (case references and reasons are nobody else's business); the
 * channel only carries the Palermo-Encrypted header.
 */
export class FeedbackChannel implements OnModuleDestroy {
  private readonly logger = new Logger('FeedbackChannel');
  private readonly readers = new Set<FeedChainReader>();

  constructor(private readonly connection: NatsConnection) {}

  /** Use this node's feedback stream, or create it where this node may (feedbackStreamConfig()); else STREAM_NOT_PROVISIONED. */
  async ensureStream(to: string): Promise<void> {
    await ensureOwnedStream(this.connection, feedbackStreamConfig(to), 'FEEDBACK_STREAM_CONFLICT');
  }

  /**
   * Publish one signed message to its recipient's feedback stream. NATS_UNAVAILABLE when NATS is down
   * or the recipient's stream does not exist yet (nobody answers): the outbox keeps it and retries.
   */
  async publish(input: FeedbackPublishInput): Promise<{ duplicate: boolean }> {
    const subject = feedbackSubject(input.to, input.from);
    if (typeof input.messageHash !== 'string' || !HASH.test(input.messageHash)) throw new DomainError('INVALID_FEEDBACK_HASH', 'messageHash must be a lower-case hex SHA-256');
    if (input.encryptedTo !== undefined && !FINGERPRINT.test(input.encryptedTo)) throw new DomainError('INVALID_RECIPIENT_FINGERPRINT', 'encryptedTo must be a lower-case hex OpenPGP fingerprint');
    const h = natsHeaders();
    h.set(FEED_HEADERS.hash, input.messageHash);
    h.set(FEED_HEADERS.signer, input.signerFingerprint);
    h.set(FEED_HEADERS.signature, Buffer.from(input.signature).toString('base64'));
    if (input.encryptedTo) h.set(FEED_HEADERS.encrypted, input.encryptedTo);
    const { duplicate } = await publishToStream(this.connection, {
      subject,
      stream: feedbackStreamName(input.to),
      payload: input.payload,
      msgId: input.messageHash,
      headers: h,
      what: `feedback ${input.messageHash} on ${subject}`,
    });
    return { duplicate };
  }

  /** Read the feedback addressed to `to`, one message at a time, through its durable consumer. */
  follow(options: FeedbackFollowOptions): { ready: Promise<void>; stop: () => Promise<void> } {
    const { to, handler } = options;
    assertNodeId(to, 'recipient');
    const chain: ChainRef = { publisher: to, audience: '*', durable: feedbackConsumerName(to) };
    const onError = options.onError ?? ((err: unknown) => this.logger.warn(`${chain.durable}: ${errorMessage(err)}`));
    return followStream(
      this.connection,
      this.readers,
      chain,
      { stream: feedbackStreamName(to), filter: feedbackStreamSubject(to) },
      (msg) => {
        const parsed = parseFeedbackSubject(msg.subject);
        // The stream captures only palermo.v1.feedback.<to>.*, so this cannot fail; never trust it anyway.
        if (!parsed || parsed.to !== to) return 'ack';
        const { payload, headers, streamSeq, redelivered, deliveryCount, subject } = msg;
        return handler({ to, from: parsed.from, subject, payload, headers, streamSeq, redelivered, deliveryCount });
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
