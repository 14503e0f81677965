import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { type Msg, type Subscription } from '@nats-io/nats-core';
import { DomainError } from '@palermo/indicators';
import type { FeedChainReader } from './feed-chain.reader';
import { errorMessage, natsUnavailable } from './federation.errors';
import {
  assertNodeId,
  logCheckpointConsumerName,
  logCheckpointSubject,
  logProofSubject,
  logStreamName,
  logWitnessConsumerName,
  logWitnessStreamSubject,
  logWitnessSubject,
  parseLogWitnessSubject,
} from './federation.subjects';
import type { ChainRef, FeedVerdict } from './federation.types';
import type { NatsConnection } from './nats.connection';
import { ensureOwnedStream, followStream, publishToStream } from './owned-stream';
import { logStreamConfig } from './stream.configs';

const MSG_ID = /^[0-9a-f]{64}$/;

/** A message of a log stream as a handler sees it: who sent it comes from the subject, never from the body. */
export interface LogMessage {
  /** The publisher whose log this is. */
  publisher: string;
  /** For a countersignature: the witness named by the subject. */
  witness?: string;
  subject: string;
  payload: Uint8Array;
  streamSeq: number;
  redelivered: boolean;
}

type LogHandler = (msg: LogMessage) => Promise<FeedVerdict> | FeedVerdict;

/**
 * The verifiable feed log over NATS. Each publisher P owns a stream `PALERMO_LOG_<P>` of its signed
 * checkpoints (`palermo.v1.log.<P>.checkpoint`, only P may publish there) and of its witnesses'
 * countersignatures (`palermo.v1.log.<P>.witness.<W>`, only W may publish there). Each witness reads
 * P's checkpoints through its own durable; P reads the countersignatures through one durable. Proofs
 * are request-reply on `palermo.v1.log.<P>.proof`, answered by P while it is online.
 */
export class LogChannel implements OnModuleDestroy {
  private readonly logger = new Logger('LogChannel');
  private readonly readers = new Set<FeedChainReader>();
  private readonly servers = new Set<{ stop: () => Promise<void> }>();

  constructor(private readonly connection: NatsConnection) {}

  /** Use this publisher's log stream, or create it where this node may (logStreamConfig()); else STREAM_NOT_PROVISIONED. */
  async ensureStream(publisher: string): Promise<void> {
    await ensureOwnedStream(this.connection, logStreamConfig(publisher), 'LOG_STREAM_CONFLICT');
  }

  /** Publish one of this node's signed checkpoints; `msgId` (hex SHA-256 of the payload) makes a re-publish a duplicate. */
  publishCheckpoint(publisher: string, payload: Uint8Array, msgId: string): Promise<{ duplicate: boolean }> {
    return this.publish(logCheckpointSubject(publisher), logStreamName(publisher), payload, msgId);
  }

  /** Publish this node's countersignature of a publisher's checkpoint into that publisher's log stream. */
  publishWitness(publisher: string, witness: string, payload: Uint8Array, msgId: string): Promise<{ duplicate: boolean }> {
    return this.publish(logWitnessSubject(publisher, witness), logStreamName(publisher), payload, msgId);
  }

  /** Read `publisher`'s checkpoints, one at a time, through `witness`'s durable. */
  followCheckpoints(options: { witness: string; publisher: string; handler: LogHandler; onError?: (error: unknown) => void }): { ready: Promise<void>; stop: () => Promise<void> } {
    const { witness, publisher, handler } = options;
    assertNodeId(witness, 'witness');
    const chain: ChainRef = { publisher, audience: 'checkpoint', durable: logCheckpointConsumerName(witness) };
    const subject = logCheckpointSubject(publisher);
    return this.read(chain, { stream: logStreamName(publisher), filter: subject }, options.onError, (msg) => (msg.subject === subject ? handler({ ...msg, publisher }) : 'ack'));
  }

  /** Read the countersignatures of `publisher`'s checkpoints, one at a time, through its durable. */
  followWitnesses(options: { publisher: string; handler: LogHandler; onError?: (error: unknown) => void }): { ready: Promise<void>; stop: () => Promise<void> } {
    const { publisher, handler } = options;
    const chain: ChainRef = { publisher, audience: 'witness', durable: logWitnessConsumerName(publisher) };
    return this.read(chain, { stream: logStreamName(publisher), filter: logWitnessStreamSubject(publisher) }, options.onError, (msg) => {
      const parsed = parseLogWitnessSubject(msg.subject);
      // The stream captures only palermo.v1.log.<publisher>.witness.*, so this cannot fail; never trust it anyway.
      if (!parsed || parsed.publisher !== publisher) return 'ack';
      return handler({ ...msg, publisher, witness: parsed.witness });
    });
  }

  /**
   * Answer proof requests addressed to `publisher` with `answer` (request bytes → answer bytes), until
   * stopped; re-subscribes after the connection is replaced. `answer` must not throw.
   */
  serveProofs(publisher: string, answer: (request: Uint8Array) => Promise<Uint8Array>): { stop: () => Promise<void> } {
    const subject = logProofSubject(publisher);
    let stopped = false;
    let current: Subscription | undefined;
    const loop = (async () => {
      while (!stopped) {
        try {
          const client = await this.connection.connected(60_000);
          if (stopped) break;
          current = client.subscribe(subject);
          for await (const msg of current) void this.reply(msg, answer);
        } catch (err) {
          if (!stopped) this.logger.warn(`proof service on ${subject}: ${errorMessage(err)}`);
        }
        if (!stopped) await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    })();
    const server = {
      stop: async () => {
        stopped = true;
        current?.unsubscribe();
        await loop;
        this.servers.delete(server);
      },
    };
    this.servers.add(server);
    return server;
  }

  /** Ask `publisher` for a proof; the answer's bytes (parse and verify them). NATS_UNAVAILABLE when nobody answers. */
  async requestProof(publisher: string, request: Uint8Array): Promise<Uint8Array> {
    const subject = logProofSubject(publisher);
    const client = await this.connection.connected();
    try {
      const answer = await client.request(subject, request, { timeout: this.connection.requestTimeoutMs });
      return answer.data;
    } catch (err) {
      throw natsUnavailable(`no proof from ${publisher} on ${subject}`, err);
    }
  }

  /** @internal Nest hook: stop reading and serving before the connection closes. */
  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.readers].map((r) => r.stop()));
    await Promise.all([...this.servers].map((s) => s.stop()));
  }

  private async reply(msg: Msg, answer: (request: Uint8Array) => Promise<Uint8Array>): Promise<void> {
    try {
      if (msg.reply) msg.respond(await answer(msg.data));
    } catch (err) {
      this.logger.warn(`proof request on ${msg.subject}: ${errorMessage(err)}`);
    }
  }

  private async publish(subject: string, stream: string, payload: Uint8Array, msgId: string): Promise<{ duplicate: boolean }> {
    if (typeof msgId !== 'string' || !MSG_ID.test(msgId)) throw new DomainError('INVALID_LOG_MSG_ID', 'msgId must be a lower-case hex SHA-256');
    const { duplicate } = await publishToStream(this.connection, { subject, stream, payload, msgId, what: `on ${subject}` });
    return { duplicate };
  }

  private read(
    chain: ChainRef,
    source: { stream: string; filter: string },
    onError: ((error: unknown) => void) | undefined,
    handler: (msg: Omit<LogMessage, 'publisher'> & { publisher: string }) => Promise<FeedVerdict> | FeedVerdict,
  ): { ready: Promise<void>; stop: () => Promise<void> } {
    const report = onError ?? ((err: unknown) => this.logger.warn(`${chain.durable} on ${source.stream}: ${errorMessage(err)}`));
    return followStream(
      this.connection,
      this.readers,
      chain,
      source,
      (msg) => handler({ publisher: chain.publisher, subject: msg.subject, payload: msg.payload, streamSeq: msg.streamSeq, redelivered: msg.redelivered }),
      { ackWaitMs: 30_000, retryDelayMs: 2_000, maxRetryDelayMs: 60_000, pullExpiresMs: 5_000 },
      (err) => report(err),
    );
  }
}
