import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { DomainError } from '@palermo/indicators';
import { errorMessage, isTransientNatsError } from './federation.errors';
import { lookupSubject } from './federation.subjects';
import type { NatsConnection } from './nats.connection';
import { serveRequests, type ServedRequest } from './request.server';

/** A lookup message as the responder's handler sees it: the raw bytes and the inbox the answer goes to. */
export type LookupRequestMessage = ServedRequest;

/** Lookup messages one responder handles at the same time; more wait in the subscription. */
const MAX_IN_FLIGHT = 16;

/**
 * Hit/no-hit lookups over NATS request-reply (wire protocol v1): a responder serves
 * `palermo.v1.lookup.<responder>` (requests and matches alike), a querier asks there and reads the
 * answer in its own inbox. The bytes are the caller's: this class knows subjects, not messages.
 */
export class LookupChannel implements OnModuleDestroy {
  private readonly logger = new Logger('LookupChannel');
  private readonly served = new Set<{ stop(): Promise<void> }>();

  constructor(private readonly connection: NatsConnection) {}

  /**
   * Answers lookup messages for `responder` until stopped, up to MAX_IN_FLIGHT at a time. The handler
   * returns the reply bytes (null: send nothing); `onError` makes the reply when the handler throws.
   */
  serve(responder: string, handler: (req: LookupRequestMessage) => Promise<Uint8Array | null>, onError: () => Uint8Array): { ready: Promise<void>; stop(): Promise<void> } {
    return serveRequests(this.connection, this.logger, {
      subject: lookupSubject(responder),
      label: { request: 'lookup message', answer: 'lookup answer' },
      maxInFlight: MAX_IN_FLIGHT,
      handle: handler,
      onError,
      encode: (reply) => reply,
      running: this.served,
    });
  }

  /** Sends one lookup message to `responder` and returns its answer's bytes; throws LOOKUP_UNREACHABLE when nobody answers in time. */
  async request(responder: string, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const subject = lookupSubject(responder);
    try {
      const client = await this.connection.connected(0);
      return (await client.request(subject, payload, { timeout: timeoutMs })).data;
    } catch (err) {
      if (err instanceof DomainError || isTransientNatsError(err) || (err instanceof Error && /no responders|timeout|permission/i.test(err.message))) {
        throw new DomainError('LOOKUP_UNREACHABLE', `${responder} did not answer on ${subject}: ${errorMessage(err)}`);
      }
      throw err;
    }
  }

  /** @internal Nest hook: stop answering before the connection closes. */
  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.served].map((s) => s.stop()));
  }
}
