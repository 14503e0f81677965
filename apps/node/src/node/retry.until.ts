import type { Logger } from '@nestjs/common';
import { errorMessage } from '@palermo/indicators';

const RETRY_MS = 2_000;

/**
 * Tries `attempt` every two seconds until it succeeds or `stopped()` says shutdown began (a stream
 * to create while NATS is not there yet). Warns once, naming `what`. True when it succeeded before shutdown began.
 */
export async function retryUntil(logger: Logger, what: string, stopped: () => boolean, attempt: () => Promise<unknown>): Promise<boolean> {
  let warned = false;
  while (!stopped()) {
    try {
      await attempt();
      return !stopped();
    } catch (err) {
      if (!warned) logger.warn(`could not ${what} yet (${errorMessage(err)}); retrying`);
      warned = true;
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
  return false;
}
