import type { MsgHdrs } from '@nats-io/nats-core';
import { DomainError } from '@palermo/indicators';
import { errorMessage, isTransientNatsError, natsUnavailable } from './federation.errors';
import { FeedChainReader, type ChainReaderSettings } from './feed-chain.reader';
import type { ChainRef, FeedHandler } from './federation.types';
import type { NatsConnection } from './nats.connection';
import { ensureNodeStream, type EnsureStreamResult, type NodeStreamConfig } from './stream.configs';

/*
 * The three things every channel does with a node's own JetStream stream (feed, receipts, keys, log):
 * make sure it exists, publish into it, and follow it through a durable pull consumer.
 */

/** Use the owner's stream, or create it where this node may (ensureNodeStream()); else STREAM_NOT_PROVISIONED. A failure shows in health(). */
export async function ensureOwnedStream(connection: NatsConnection, config: NodeStreamConfig, conflictCode: string): Promise<EnsureStreamResult> {
  const jsm = await connection.jetstreamManager();
  return connection.trackStream(config.name, ensureNodeStream(jsm, config, conflictCode));
}

/** One message for {@link publishToStream}. */
export interface StreamPublish {
  subject: string;
  /** The stream that must store it (Nats-Expected-Stream). */
  stream: string;
  payload: Uint8Array;
  /** Nats-Msg-Id: a re-publish within the duplicate window is a duplicate. */
  msgId: string;
  headers?: MsgHdrs;
  /** Names the message in the NATS_UNAVAILABLE error ("publishing <what>"). */
  what: string;
}

/** Publish one message into a stream; NATS_UNAVAILABLE when NATS is down or nobody answers (the caller's outbox retries). */
export async function publishToStream(connection: NatsConnection, message: StreamPublish): Promise<{ duplicate: boolean; streamSeq: number }> {
  // Fail fast while disconnected (the outbox retries); only a first connect in progress is worth waiting for.
  const firstConnect = connection.health().state === 'connecting';
  await connection.connected(firstConnect ? connection.requestTimeoutMs : 0);
  const js = await connection.jetstream(0);
  const timeout = connection.requestTimeoutMs;
  try {
    const ack = await withDeadline(
      js.publish(message.subject, message.payload, { msgID: message.msgId, headers: message.headers, timeout, expect: { streamName: message.stream } }),
      timeout + 1_000,
    );
    return { duplicate: ack.duplicate === true, streamSeq: ack.seq };
  } catch (err) {
    throw mapError(err, `publishing ${message.what}`);
  }
}

/**
 * Follow `source` through the durable of `chain`, one message at a time, until stopped. The reader is
 * in `running` until stopped (its owner stops them all on shutdown).
 */
export function followStream(
  connection: NatsConnection,
  running: Set<FeedChainReader>,
  chain: ChainRef,
  source: { stream: string; filter: string },
  handler: FeedHandler,
  settings: ChainReaderSettings,
  onError: (error: unknown, chain: ChainRef) => void,
): { ready: Promise<void>; stop: () => Promise<void> } {
  const reader = new FeedChainReader(connection, chain, handler, settings, onError, source);
  running.add(reader);
  reader.start();
  return {
    ready: reader.ready,
    stop: async () => {
      await reader.stop();
      running.delete(reader);
    },
  };
}

/** @internal Maps a NATS failure to NATS_UNAVAILABLE (retryable) or FEED_PUBLISH_REJECTED. */
export function mapError(err: unknown, action: string): unknown {
  if (err instanceof DomainError) return err;
  if (isTransientNatsError(err)) return natsUnavailable(`NATS unavailable while ${action}`, err);
  if (err instanceof Error && err.name.endsWith('ApiError')) {
    return new DomainError('FEED_PUBLISH_REJECTED', `JetStream refused ${action}: ${err.message}`, { cause: errorMessage(err) });
  }
  return err;
}

/** Belt and braces over the client's own timeout: the exporter must never wait forever. */
export function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(natsUnavailable(`no answer from NATS within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
