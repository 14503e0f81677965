import type { Logger } from '@nestjs/common';
import { isTransientNatsError } from '@palermo/federation';
import { errorMessage } from '@palermo/indicators';

const BATCH = 100;

/** What one outbox (signed receipts, feedback) gives the drain. */
export interface OutboxOf<R extends { id: string; attempts: number }> {
  /** Rows not yet acknowledged, oldest first, after the row id `after`. */
  pending(limit: number, after: string): Promise<R[]>;
  /** The partner a row goes to: one that does not answer is skipped for the rest of the round. */
  recipientOf(row: R): string;
  /** Publishes one row; throws when the partner's stream or NATS did not acknowledge it. */
  publish(row: R): Promise<void>;
  markPublished(id: string): Promise<void>;
  markFailed(id: string, error: string): Promise<void>;
  /** How a row is named in a warning. */
  describe(row: R): string;
}

/**
 * One round of an outbox: publishes every pending row, oldest first. A partner whose stream does not
 * answer is skipped for the rest of the round — not the others behind it, and its own rows stay in
 * order. A failure is recorded on the row and warned about on its first attempt (and whenever it is
 * not a passing NATS outage); the row stays pending for the next round.
 */
export async function drainOutbox<R extends { id: string; attempts: number }>(outbox: OutboxOf<R>, stopped: () => boolean, logger: Logger): Promise<void> {
  const unreachable = new Set<string>();
  let after = '0';
  while (!stopped()) {
    const batch = await outbox.pending(BATCH, after);
    if (batch.length === 0) return;
    for (const row of batch) {
      after = row.id;
      const recipient = outbox.recipientOf(row);
      if (unreachable.has(recipient) || stopped()) continue;
      try {
        await outbox.publish(row);
        await outbox.markPublished(row.id);
      } catch (err) {
        unreachable.add(recipient);
        await outbox.markFailed(row.id, errorMessage(err)).catch(() => undefined);
        if (row.attempts === 0 || !isTransientNatsError(err)) logger.warn(`${outbox.describe(row)} for ${recipient} not published yet: ${errorMessage(err)}`);
      }
    }
  }
}
