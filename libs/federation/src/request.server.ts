import type { Logger } from '@nestjs/common';
import type { Msg, Subscription } from '@nats-io/nats-core';
import { errorMessage } from './federation.errors';
import type { NatsConnection } from './nats.connection';

/** A request as a serving handler sees it: the raw bytes and the inbox the answer goes to. */
export interface ServedRequest {
  payload: Uint8Array;
  /** The reply subject ('' when the sender gave none: nothing can be answered). */
  reply: string;
}

/** What {@link serveRequests} needs to answer one subject. */
export interface RequestServerOptions<T> {
  subject: string;
  /** How log lines name a request and an answer ("lookup message", "lookup answer"). */
  label: { request: string; answer: string };
  /** Requests handled at the same time; more wait in the subscription. */
  maxInFlight: number;
  handle: (req: ServedRequest) => Promise<T>;
  /** The answer when `handle` throws (the throw is logged). */
  onError: () => T;
  /** The answer's bytes (null: send nothing). */
  encode: (answer: T) => Uint8Array | null;
  /** The owner's running servers: this one is in it until stopped (the owner stops them all on shutdown). */
  running: Set<{ stop(): Promise<void> }>;
}

/**
 * Answer request-reply messages on one subject until stopped, at most `maxInFlight` at a time;
 * re-subscribes after the connection is replaced. `ready` resolves once the server has the subscription.
 */
export function serveRequests<T>(connection: NatsConnection, logger: Logger, options: RequestServerOptions<T>): { ready: Promise<void>; stop(): Promise<void> } {
  const { subject, label, maxInFlight, handle, onError, encode, running } = options;
  let stopped = false;
  let sub: Subscription | undefined;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const inFlight = new Set<Promise<void>>();
  const answer = async (msg: Msg): Promise<void> => {
    const result = await handle({ payload: msg.data, reply: msg.reply ?? '' }).catch((err: unknown) => {
      logger.warn(`${label.request} on ${subject}: ${errorMessage(err)}`);
      return onError();
    });
    if (!msg.reply) return;
    try {
      const bytes = encode(result);
      if (bytes) msg.respond(bytes);
    } catch (err) {
      logger.warn(`${label.answer} on ${subject} not sent: ${errorMessage(err)}`);
    }
  };
  const loop = (async () => {
    while (!stopped) {
      try {
        const client = await connection.connected(60_000);
        if (stopped) break;
        sub = client.subscribe(subject);
        await client.flush();
        markReady();
        for await (const msg of sub) {
          if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
          const p: Promise<void> = answer(msg).finally(() => inFlight.delete(p));
          inFlight.add(p);
        }
      } catch (err) {
        if (!stopped) logger.warn(`serving ${subject}: ${errorMessage(err)}; retrying`);
      }
      if (!stopped) await new Promise((r) => setTimeout(r, 5_000));
    }
    await Promise.all(inFlight);
  })();
  const server = {
    ready,
    stop: async () => {
      stopped = true;
      sub?.unsubscribe();
      await loop;
      running.delete(server);
    },
  };
  running.add(server);
  return server;
}
