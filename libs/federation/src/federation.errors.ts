import { DomainError } from '@palermo/indicators';

/** Code of every failure that a later retry may cure (server down, reconnecting, timed out, JetStream not answering). */
export const NATS_UNAVAILABLE = 'NATS_UNAVAILABLE';

// Client error names (nats.js 3.x sets `name`; matching on it survives duplicated module copies).
// "JetStreamNotEnabled" is what the 3.x client reports for a publish nobody answered (no stream, or JetStream down).
const TRANSIENT_NAMES = new Set([
  'TimeoutError',
  'ClosedConnectionError',
  'DrainingConnectionError',
  'ConnectionError',
  'RequestError',
  'NoResponders',
  'NoRespondersError',
  'JetStreamNotEnabled',
]);

/** A NATS_UNAVAILABLE DomainError; `cause` is summarized in details, never its stack. */
export function natsUnavailable(message: string, cause?: unknown): DomainError {
  return new DomainError(NATS_UNAVAILABLE, message, cause === undefined ? undefined : { cause: errorMessage(cause) });
}

/** True for errors that mean "NATS is not reachable or not answering right now". */
export function isTransientNatsError(err: unknown): boolean {
  if (err instanceof DomainError) return err.code === NATS_UNAVAILABLE;
  if (!(err instanceof Error)) return false;
  if (TRANSIENT_NAMES.has(err.name)) return true;
  // JetStream API 503s: "JetStream system temporarily unavailable" while a restarted server recovers.
  const status = (err as { status?: unknown }).status;
  return err.name === 'JetStreamApiError' && status === 503;
}

/** True when the JetStream API says the stream does not exist (yet). */
export function isStreamNotFound(err: unknown): boolean {
  return err instanceof Error && (err.name === 'StreamNotFoundError' || err.message === 'stream not found');
}

/** Short, log-safe text of any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message;
  return String(err);
}
