import { AckPolicy, DeliverPolicy, ReplayPolicy, type Consumer, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { errorMessage } from './federation.errors';
import { feedStreamName, feedSubject } from './federation.subjects';
import type { ChainRef, ChainStatus, FeedHandler, FeedMessage, FeedVerdict } from './federation.types';
import type { NatsConnection } from './nats.connection';

/** Timing of one chain reader (all ms, already validated). */
export interface ChainReaderSettings {
  ackWaitMs: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
  pullExpiresMs: number;
}

/** A loop error is reported again only when it changes or after this long (a missing stream is retried quietly). */
const REPEAT_REPORT_MS = 60_000;

const ACK_ATTEMPTS = 3;
const ACK_PAYLOAD = new TextEncoder().encode('+ACK');

/**
 * Reads ONE chain (publisher, audience) through its durable pull consumer, strictly one message at a
 * time: pull one, run the handler, ack or nak, pull the next. max_ack_pending 1 makes the server hold
 * the next message back until the current one is acked, so a nak'ed message keeps its place.
 * Every failure (server gone, stream missing, consumer lost, handler throwing) is survived: the loop
 * backs off, re-creates/binds the consumer (idempotent) and resumes from the consumer's durable state.
 */
export class FeedChainReader {
  private stopping = false;
  private readonly abort = new AbortController();
  private consumer?: Consumer;
  private fetching?: ConsumerMessages;
  private loop?: Promise<void>;
  private bound = false;
  private acked = 0;
  private lastStreamSeq?: number;
  private lastError?: string;
  private lastReport = { message: '', at: 0 };
  private markReady!: () => void;
  private failReady!: (err: Error) => void;
  /** Resolves once the durable consumer exists; rejects if stopped before that. */
  readonly ready = new Promise<void>((resolve, reject) => {
    this.markReady = resolve;
    this.failReady = reject;
  });

  constructor(
    private readonly connection: NatsConnection,
    readonly chain: ChainRef,
    private readonly handler: FeedHandler,
    private readonly settings: ChainReaderSettings,
    private readonly onError: (error: unknown, chain: ChainRef) => void,
    /** Stream and filter subject of the durable; a feed chain's by default (receipts read their own stream). */
    private readonly source?: { stream: string; filter: string },
  ) {
    this.ready.catch(() => undefined);
  }

  /** Start the loop (once). */
  start(): void {
    this.loop ??= this.run();
  }

  /** Stop pulling; a running handler finishes and its verdict is sent once. Idempotent. */
  async stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      this.abort.abort();
      this.fetching?.stop();
      this.failReady(new Error(`stopped before ${this.chain.durable} was bound`));
    }
    await this.loop;
  }

  /** Live state for health and tests. */
  status(): ChainStatus {
    const { bound, acked, lastStreamSeq, lastError } = this;
    return { ...this.chain, bound, acked, lastStreamSeq, lastError };
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        const consumer = this.consumer ?? (await this.bind());
        const msg = await this.pull(consumer);
        failures = 0;
        if (msg) await this.deliver(msg);
      } catch (err) {
        if (this.stopping) break;
        // Re-bind after any failure: the server may have restarted, the consumer may be gone.
        this.consumer = undefined;
        failures += 1;
        this.report(err, true);
        await this.sleep(this.backoff(failures));
      }
    }
  }

  private async bind(): Promise<Consumer> {
    const { publisher, audience, durable } = this.chain;
    const stream = this.source?.stream ?? feedStreamName(publisher);
    const filter = this.source?.filter ?? feedSubject(publisher, audience);
    const jsm = await this.connection.jetstreamManager(undefined, this.abort.signal);
    // The 3.x client sends $JS.API.CONSUMER.CREATE.<stream>.<durable>.<filter>: permissions can pin the filter.
    await jsm.consumers.add(stream, {
      durable_name: durable,
      filter_subject: filter,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      replay_policy: ReplayPolicy.Instant,
      max_ack_pending: 1,
      max_deliver: -1,
      ack_wait: nanos(this.settings.ackWaitMs),
    });
    const js = await this.connection.jetstream(undefined, this.abort.signal);
    this.consumer = await js.consumers.get(stream, durable);
    this.bound = true;
    this.markReady();
    return this.consumer;
  }

  /** One pull request for one message; null when it expired empty. Kept stoppable by stop(). */
  private async pull(consumer: Consumer): Promise<JsMsg | null> {
    const messages = await consumer.fetch({ max_messages: 1, expires: this.settings.pullExpiresMs });
    this.fetching = messages;
    try {
      if (this.stopping) messages.stop();
      for await (const msg of messages) return msg;
      return null;
    } finally {
      this.fetching = undefined;
    }
  }

  private async deliver(msg: JsMsg): Promise<void> {
    if (this.stopping) {
      // Arrived as we stopped: hand it straight back instead of letting it wait out ack_wait.
      msg.nak();
      return;
    }
    const verdict = await this.runHandler(msg);
    if (verdict === 'ack') await this.ack(msg);
    else msg.nak(this.retryDelay(msg.info.deliveryCount));
  }

  private async runHandler(msg: JsMsg): Promise<FeedVerdict> {
    // A long import must not look abandoned: tell the server we are still working on it.
    const keepAlive = setInterval(() => {
      try {
        msg.working();
      } catch {
        // Connection closed: the ack/nak after the handler reports it; a timer must not throw.
      }
    }, Math.max(500, Math.floor(this.settings.ackWaitMs / 3)));
    try {
      const verdict = await this.handler(this.toFeedMessage(msg));
      if (verdict === 'ack' || verdict === 'retry') return verdict;
      this.report(new Error(`handler returned ${String(verdict)}; treating it as 'retry'`), false);
      return 'retry';
    } catch (err) {
      this.report(err, false);
      return 'retry';
    } finally {
      clearInterval(keepAlive);
    }
  }

  /**
   * Acks and waits for the server's confirmation. An ack written into a dead socket is lost while
   * the client believes it sent it; with max_ack_pending 1 the chain would then stall for ack_wait.
   * So: wait for the connection first, and re-send the ack by hand after a reconnect.
   */
  private async ack(msg: JsMsg): Promise<void> {
    const streamSeq = msg.info.streamSequence;
    let lastError: unknown;
    for (let attempt = 0; attempt < ACK_ATTEMPTS; attempt++) {
      try {
        const client = await this.connection.connected();
        if (attempt === 0) await msg.ackAck({ timeout: this.connection.requestTimeoutMs });
        else await client.request(ackSubject(msg), ACK_PAYLOAD, { timeout: this.connection.requestTimeoutMs });
        this.acked += 1;
        this.lastStreamSeq = streamSeq;
        return;
      } catch (err) {
        lastError = err;
      }
    }
    // Not lost: unconfirmed means JetStream may deliver it again, and the handler is idempotent (by hash).
    this.report(new Error(`ack of stream seq ${streamSeq} not confirmed (${errorMessage(lastError)}); it may be redelivered`), false);
  }

  private toFeedMessage(msg: JsMsg): FeedMessage {
    const headers: Record<string, string> = {};
    for (const key of msg.headers?.keys() ?? []) headers[key] = msg.headers?.get(key) ?? '';
    return {
      publisher: this.chain.publisher,
      audience: this.chain.audience,
      subject: msg.subject,
      payload: msg.data,
      headers,
      streamSeq: msg.info.streamSequence,
      redelivered: msg.redelivered,
      deliveryCount: msg.info.deliveryCount,
    };
  }

  private retryDelay(deliveryCount: number): number {
    const exponent = Math.min(Math.max(deliveryCount - 1, 0), 20);
    return Math.min(this.settings.retryDelayMs * 2 ** exponent, this.settings.maxRetryDelayMs);
  }

  private backoff(failures: number): number {
    const exponent = Math.min(failures - 1, 20);
    return Math.min(250 * 2 ** exponent, this.settings.maxRetryDelayMs);
  }

  private report(err: unknown, quietRepeats: boolean): void {
    const message = errorMessage(err);
    this.lastError = message;
    const now = Date.now();
    if (quietRepeats && message === this.lastReport.message && now - this.lastReport.at < REPEAT_REPORT_MS) return;
    this.lastReport = { message, at: now };
    try {
      this.onError(err, this.chain);
    } catch {
      // A faulty error hook must not kill the loop.
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.abort.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.abort.signal.addEventListener('abort', done, { once: true });
    });
  }
}

// The ack subject ($JS.ACK.…) is the message's reply subject; the JsMsg interface does not expose it.
function ackSubject(msg: JsMsg): string {
  return (msg as unknown as { reply: string }).reply;
}
