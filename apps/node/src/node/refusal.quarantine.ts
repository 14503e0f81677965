import type { Logger } from '@nestjs/common';
import type { Store } from '@palermo/store';

/** A message from a partner's stream that this node refused, as the quarantine keeps it. */
export interface RefusedMessage {
  /** The partner the subject names as the sender. */
  sender: string;
  subject: string;
  streamSeq: number;
  payload: Uint8Array;
  headers: Record<string, string>;
}

/**
 * Keeps a refused receipt or feedback message in quarantine with its reason (audited as
 * `auditAction`, once: a redelivery finds it there) and acks it — never silently dropped, never
 * retried forever.
 */
export async function quarantineRefused(store: Store, logger: Logger, msg: RefusedMessage, reason: { code: string; message: string }, auditAction: string, what: string): Promise<'ack'> {
  const { duplicate } = await store.quarantine.add({
    publisher: msg.sender,
    audience: null,
    subject: msg.subject,
    streamSeq: msg.streamSeq,
    payload: msg.payload,
    headers: msg.headers,
    code: reason.code,
    message: reason.message,
    auditAction,
  });
  if (!duplicate) logger.warn(`refused ${what} on ${msg.subject} #${msg.streamSeq}: ${reason.code} ${reason.message}`);
  return 'ack';
}
