import { errorMessage, isStreamNotFound, isTransientNatsError } from './federation.errors';
import { assertNodeId, audiencesFor, feedConsumerName, feedStreamName } from './federation.subjects';
import type { NatsConnection } from './nats.connection';

/**
 * What a recipient's durable on this publisher's feed stream says about one chain, read from the
 * publisher's side (issue 4 item 4, "delivered"). `read`: the consumer state is known; `no-consumer`:
 * the recipient has not created its durable yet (or the stream does not exist yet); `unavailable`:
 * NATS did not answer (down, reconnecting, refused). Only `read` says anything about delivery.
 */
export interface ChainDelivery {
  /** The chain: the recipient's node id or `all`. */
  audience: string;
  /** The recipient's durable, `<recipient>_<audience>`. */
  durable: string;
  state: 'read' | 'no-consumer' | 'unavailable';
  /** Stream seq of the last message JetStream delivered to the recipient on this chain (0: none yet); null unless read. */
  deliveredStreamSeq: number | null;
  /** Every message of this chain at or below this stream seq is acked by the recipient (committed there); null unless read. */
  ackFloorStreamSeq: number | null;
  /** Messages of this chain not yet delivered; null unless read. */
  pending: number | null;
  /** Messages delivered and not yet acked; null unless read. */
  ackPending: number | null;
  /** Why the state is not known (no-consumer, unavailable); null when read. */
  reason: string | null;
  /** When JetStream was asked (a cached answer keeps its time). */
  checkedAt: string;
}

/** Where one message stands for one recipient: acked (committed there), delivered (not yet acked), not delivered, or unknown. */
export interface MessageDelivery {
  /** True when delivered to the recipient's importer (acked or not); null when the consumer state is unknown. */
  delivered: boolean | null;
  /** True when the recipient acked it (its import or quarantine committed); null when unknown. */
  acked: boolean | null;
}

/** Options of {@link FeedDelivery}. */
export interface FeedDeliveryOptions {
  /** How long a consumer's state is reused before JetStream is asked again (default 3 s; a status page must not hammer JetStream). */
  cacheMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

const DEFAULT_CACHE_MS = 3_000;

/**
 * Reads the recipients' durable consumers on this publisher's own feed stream
 * (`$JS.API.CONSUMER.INFO.PALERMO_FEED_<P>.*`, which deploy/nats allows each node on its own stream only).
 * Never throws for NATS trouble: an unknown state is reported as such, with the reason, never guessed.
 */
export class FeedDelivery {
  private readonly cache = new Map<string, { at: number; answer: Promise<ChainDelivery> }>();
  private readonly cacheMs: number;
  private readonly now: () => number;

  constructor(
    private readonly connection: NatsConnection,
    options: FeedDeliveryOptions = {},
  ) {
    this.cacheMs = Math.max(0, options.cacheMs ?? DEFAULT_CACHE_MS);
    this.now = options.now ?? Date.now;
  }

  /** The delivery state of both chains `publisher` sends `recipient` (its own audience, then `all`). */
  deliveryState(publisher: string, recipient: string): Promise<ChainDelivery[]> {
    assertNodeId(publisher, 'publisher');
    return Promise.all(audiencesFor(recipient).map((audience) => this.chain(publisher, recipient, audience)));
  }

  /** The delivery state of one chain for one recipient (cached for a few seconds; concurrent callers share one request). */
  chain(publisher: string, recipient: string, audience: string): Promise<ChainDelivery> {
    const stream = feedStreamName(publisher);
    const durable = feedConsumerName(recipient, audience);
    const key = `${stream}/${durable}`;
    const cached = this.cache.get(key);
    if (cached && this.now() - cached.at < this.cacheMs) return cached.answer;
    const answer = this.read(stream, durable, audience);
    this.cache.set(key, { at: this.now(), answer });
    if (this.cache.size > 1_000) this.cache.delete(this.cache.keys().next().value as string);
    return answer;
  }

  private async read(stream: string, durable: string, audience: string): Promise<ChainDelivery> {
    const checkedAt = new Date(this.now()).toISOString();
    const unknown = (state: 'no-consumer' | 'unavailable', reason: string): ChainDelivery => ({
      audience,
      durable,
      state,
      deliveredStreamSeq: null,
      ackFloorStreamSeq: null,
      pending: null,
      ackPending: null,
      reason,
      checkedAt,
    });
    try {
      // Fail fast while disconnected: a status page answers "unknown" now rather than wait for a reconnect.
      const jsm = await this.connection.jetstreamManager(0);
      const info = await jsm.consumers.info(stream, durable);
      return {
        audience,
        durable,
        state: 'read',
        deliveredStreamSeq: info.delivered.stream_seq,
        ackFloorStreamSeq: info.ack_floor.stream_seq,
        pending: info.num_pending,
        ackPending: info.num_ack_pending,
        reason: null,
        checkedAt,
      };
    } catch (err) {
      if (isConsumerNotFound(err)) return unknown('no-consumer', `the recipient has not created its durable ${durable} on ${stream} yet`);
      if (isStreamNotFound(err)) return unknown('no-consumer', `stream ${stream} does not exist yet`);
      const why = isTransientNatsError(err) ? 'NATS unavailable' : 'NATS refused the consumer info request';
      return unknown('unavailable', `${why} reading ${durable} on ${stream}: ${errorMessage(err)}`);
    }
  }
}

/**
 * Where the message at `streamSeq` stands in a chain's delivery state. A bundle never published
 * (`streamSeq` null) is not delivered; otherwise both are null while the state is unknown.
 */
export function messageDelivery(streamSeq: number | null, chain: ChainDelivery): MessageDelivery {
  if (streamSeq === null) return { delivered: false, acked: false };
  if (chain.state !== 'read' || chain.deliveredStreamSeq === null || chain.ackFloorStreamSeq === null) {
    return { delivered: null, acked: null };
  }
  return { delivered: streamSeq <= chain.deliveredStreamSeq, acked: streamSeq <= chain.ackFloorStreamSeq };
}

function isConsumerNotFound(err: unknown): boolean {
  return err instanceof Error && (err.name === 'ConsumerNotFoundError' || err.message === 'consumer not found');
}
