import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { DomainError } from '@palermo/indicators';
import { FeedChainReader, type ChainReaderSettings } from './feed-chain.reader';
import { errorMessage } from './federation.errors';
import { assertNodeId, audiencesFor, feedConsumerName } from './federation.subjects';
import type { ChainRef, FeedFollow, FollowOptions } from './federation.types';
import type { NatsConnection } from './nats.connection';

/**
 * Follows partners' feeds: per followed publisher, one durable pull consumer per chain addressed to
 * this node (its own audience and `all`), each read strictly in order by a {@link FeedChainReader}.
 * The two chains of a publisher are independent and may run their handlers concurrently.
 */
export class FeedSubscriber implements OnModuleDestroy {
  private readonly logger = new Logger('FeedSubscriber');
  private readonly follows = new Map<string, FeedFollow>();

  constructor(private readonly connection: NatsConnection) {}

  /** Start following `publisher`'s chains for `subscriber`; returns at once (see FeedFollow.ready). */
  follow(options: FollowOptions): FeedFollow {
    const { subscriber, publisher, handler } = options;
    assertNodeId(subscriber, 'subscriber');
    assertNodeId(publisher, 'publisher');
    if (typeof handler !== 'function') throw new DomainError('INVALID_FOLLOW', 'follow() needs a handler function');
    const key = `${subscriber}<-${publisher}`;
    if (this.follows.has(key)) throw new DomainError('ALREADY_FOLLOWING', `${subscriber} already follows ${publisher} in this process`);
    const settings = readerSettings(options);
    const onError = options.onError ?? ((err: unknown, chain: ChainRef) => this.logger.warn(`${chain.durable} on ${chain.publisher}: ${errorMessage(err)}`));
    const readers = audiencesFor(subscriber).map((audience) => {
      const chain = { publisher, audience, durable: feedConsumerName(subscriber, audience) };
      return new FeedChainReader(this.connection, chain, handler, settings, onError);
    });
    const ready = Promise.all(readers.map((reader) => reader.ready)).then(() => undefined);
    ready.catch(() => undefined);
    let stopped: Promise<void> | undefined;
    const handle: FeedFollow = {
      ready,
      stop: () =>
        (stopped ??= Promise.all(readers.map((reader) => reader.stop())).then(() => {
          this.follows.delete(key);
        })),
      status: () => readers.map((reader) => reader.status()),
    };
    this.follows.set(key, handle);
    for (const reader of readers) reader.start();
    return handle;
  }

  /** Stop every follow (waits for running handlers). */
  async stop(): Promise<void> {
    await Promise.all([...this.follows.values()].map((follow) => follow.stop()));
  }

  /** @internal Nest hook: runs before NatsConnection closes (onApplicationShutdown), so final acks still go out. */
  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }
}

function readerSettings(options: FollowOptions): ChainReaderSettings {
  const ms = (value: number | undefined, fallback: number, min: number, name: string): number => {
    const chosen = value ?? fallback;
    if (!Number.isFinite(chosen) || chosen < min) throw new DomainError('INVALID_FOLLOW', `${name} must be a number ≥ ${min} ms`);
    return Math.floor(chosen);
  };
  return {
    // Short enough that a crashed importer stalls its chain for seconds; working() keeps long imports alive.
    ackWaitMs: ms(options.ackWaitMs, 10_000, 1_000, 'ackWaitMs'),
    retryDelayMs: ms(options.retryDelayMs, 1_000, 1, 'retryDelayMs'),
    maxRetryDelayMs: ms(options.maxRetryDelayMs, 30_000, 1, 'maxRetryDelayMs'),
    // A pull the server dropped silently costs at most one expiry: keep it short (idle pulls are cheap).
    pullExpiresMs: ms(options.pullExpiresMs, 5_000, 1_000, 'pullExpiresMs'),
  };
}
