import { feedConsumerName, feedStreamName, NatsConnection } from '@palermo/federation';

/** What JetStream says about one subscriber's durable consumer of one chain. */
export interface ChainConsumerState {
  /** Messages of the chain not yet delivered to the consumer. */
  pending: number;
  /** Delivered but not acknowledged (at most 1: the chain is read one message at a time). */
  ackPending: number;
  /** Highest stream sequence up to which everything was acknowledged. */
  ackFloorStreamSeq: number;
}

/**
 * A side connection to the federation's nats-server, playing the part of the broker operator or a
 * hostile party: it reads the publisher's stream and puts copies of stored messages back on it.
 * Goes through '@palermo/federation' because only that lib may speak NATS (dependency rules).
 */
export class FaultsJetStream {
  private readonly connection: NatsConnection;

  constructor(natsUrl: string) {
    this.connection = new NatsConnection({ natsUrl, name: 'e2e-faults' });
    this.connection.start();
  }

  /**
   * Puts the message stored at `streamSeq` of `publisher`'s feed stream on the stream again: same
   * subject, bytes and Palermo-* headers, a new Nats-Msg-Id so JetStream's dedupe lets it through.
   * Returns the stream sequence of the copy.
   */
  async republish(publisher: string, streamSeq: number, newMsgId: string): Promise<{ streamSeq: number; headers: Record<string, string> }> {
    const stream = feedStreamName(publisher);
    const jsm = await this.connection.jetstreamManager(15_000);
    const stored = await jsm.streams.getMessage(stream, { seq: streamSeq });
    if (!stored) throw new Error(`no message ${streamSeq} in ${stream}`);
    const headers: Record<string, string> = {};
    for (const key of stored.header.keys()) headers[key] = stored.header.get(key);
    // Reuse the stored header object: same Palermo-Hash/Signer/Signature; msgID overrides Nats-Msg-Id.
    const js = await this.connection.jetstream(15_000);
    const ack = await js.publish(stored.subject, stored.data, { msgID: newMsgId, headers: stored.header });
    if (ack.duplicate) throw new Error(`JetStream treated the copy of ${streamSeq} as a duplicate`);
    return { streamSeq: ack.seq, headers };
  }

  /** State of `subscriber`'s durable consumer of the (publisher, audience) chain. */
  async consumerState(publisher: string, subscriber: string, audience: string): Promise<ChainConsumerState> {
    const jsm = await this.connection.jetstreamManager(15_000);
    const info = await jsm.consumers.info(feedStreamName(publisher), feedConsumerName(subscriber, audience));
    return { pending: info.num_pending, ackPending: info.num_ack_pending, ackFloorStreamSeq: info.ack_floor.stream_seq };
  }

  /** Number of messages in the publisher's feed stream. */
  async streamMessages(publisher: string): Promise<number> {
    const jsm = await this.connection.jetstreamManager(15_000);
    return (await jsm.streams.info(feedStreamName(publisher))).state.messages;
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
