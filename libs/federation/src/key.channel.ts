import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { DomainError } from '@palermo/indicators';
import type { FeedChainReader } from './feed-chain.reader';
import { errorMessage } from './federation.errors';
import { assertNodeId, keyConsumerName, keyStreamName, keySubject, parseKeySubject } from './federation.subjects';
import type { ChainRef, FeedVerdict } from './federation.types';
import type { NatsConnection } from './nats.connection';
import { ensureOwnedStream, followStream, mapError, publishToStream } from './owned-stream';
import { keyStreamConfig } from './stream.configs';

const HASH = /^[0-9a-f]{64}$/;

/** One signed key statement (rotation or revocation) of this node. */
export interface KeyStatementPublishInput {
  /** This node: owner of the key stream. */
  publisher: string;
  /** SHA-256 of the statement's bytes: the Nats-Msg-Id. */
  statementHash: string;
  /** The signed statement as JSON bytes (it carries its own signatures). */
  payload: Uint8Array;
}

/** A key statement as the partner's handler sees it: whose it is comes from the subject, never from the body. */
export interface KeyStatementMessage {
  publisher: string;
  subject: string;
  payload: Uint8Array;
  headers: Record<string, string>;
  streamSeq: number;
  redelivered: boolean;
}

/** Options of KeyChannel.follow(). */
export interface KeyFollowOptions {
  /** This node, reading. */
  subscriber: string;
  /** The partner whose key statements are read. */
  publisher: string;
  /** Processes one statement; 'retry' or a throw delivers it again later. */
  handler: (msg: KeyStatementMessage) => Promise<FeedVerdict> | FeedVerdict;
  onError?: (error: unknown, chain: ChainRef) => void;
}

/**
 * Key statements over JetStream. Each node owns a stream `PALERMO_KEYS_<N>` of the one subject
 * `palermo.v1.key.<N>` (the server lets only N publish there), kept without age limit: a statement
 * is small and rare, and a partner offline at rotation or revocation time must still get it. Each
 * partner reads it through its own durable pull consumer `<partner>_keys`, in order.
 */
export class KeyChannel implements OnModuleDestroy {
  private readonly logger = new Logger('KeyChannel');
  private readonly readers = new Set<FeedChainReader>();

  constructor(private readonly connection: NatsConnection) {}

  /** Use this node's key stream, or create it where this node may (keyStreamConfig()); else STREAM_NOT_PROVISIONED. */
  async ensureStream(publisher: string): Promise<void> {
    await ensureOwnedStream(this.connection, keyStreamConfig(publisher), 'KEY_STREAM_CONFLICT');
  }

  /** Publish one statement to this node's key stream; NATS_UNAVAILABLE when NATS does not answer (the outbox retries). */
  async publish(input: KeyStatementPublishInput): Promise<{ duplicate: boolean; streamSeq: number }> {
    const subject = keySubject(input.publisher);
    if (typeof input.statementHash !== 'string' || !HASH.test(input.statementHash)) throw new DomainError('INVALID_STATEMENT_HASH', 'statementHash must be a lower-case hex SHA-256');
    return publishToStream(this.connection, {
      subject,
      stream: keyStreamName(input.publisher),
      payload: input.payload,
      msgId: input.statementHash,
      what: `key statement ${input.statementHash} on ${subject}`,
    });
  }

  /** Read a partner's key statements, one at a time, through this node's durable consumer on its stream. */
  follow(options: KeyFollowOptions): { ready: Promise<void>; stop: () => Promise<void>; pending: () => Promise<number> } {
    const { subscriber, publisher, handler } = options;
    assertNodeId(subscriber, 'subscriber');
    assertNodeId(publisher, 'publisher');
    const chain: ChainRef = { publisher, audience: 'keys', durable: keyConsumerName(subscriber) };
    const onError = options.onError ?? ((err: unknown) => this.logger.warn(`${keyStreamName(publisher)}/${chain.durable}: ${errorMessage(err)}`));
    const reading = followStream(
      this.connection,
      this.readers,
      chain,
      { stream: keyStreamName(publisher), filter: keySubject(publisher) },
      (msg) => {
        // The stream captures only palermo.v1.key.<publisher>; never trust that anyway.
        if (parseKeySubject(msg.subject)?.publisher !== publisher) return 'ack';
        const { payload, headers, streamSeq, redelivered, subject } = msg;
        return handler({ publisher, subject, payload, headers, streamSeq, redelivered });
      },
      { ackWaitMs: 10_000, retryDelayMs: 1_000, maxRetryDelayMs: 30_000, pullExpiresMs: 5_000 },
      onError,
    );
    return { ...reading, pending: () => this.pending(subscriber, publisher) };
  }

  /** Statements of `publisher` not yet acked by `subscriber`'s durable (stored but undelivered, or delivered and unacked). */
  async pending(subscriber: string, publisher: string): Promise<number> {
    const jsm = await this.connection.jetstreamManager();
    try {
      const info = await jsm.consumers.info(keyStreamName(publisher), keyConsumerName(subscriber));
      return info.num_pending + info.num_ack_pending;
    } catch (err) {
      throw mapError(err, `reading consumer ${keyConsumerName(subscriber)} of ${keyStreamName(publisher)}`);
    }
  }

  /** @internal Nest hook: stop reading before the connection closes. */
  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.readers].map((r) => r.stop()));
  }
}
