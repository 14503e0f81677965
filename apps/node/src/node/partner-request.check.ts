import { nodeInboxPrefix } from '@palermo/federation';
import { NonceWindow } from './nonce.window';

// What every signed request from a pinned partner (resync, lookups) is checked for, whatever its
// codes: the answer goes to the requester's own inbox, and its nonce (or requestId) is not replayed.
// Signature and clock checks stay with each request's own format (verifyResyncRequest, lookup.envelope).

/**
 * Null when `reply` is an inbox of `requester`; otherwise why not, for the refusal. Only the requester
 * can read its inbox (deploy/nats): a captured request replayed by anybody else is answered to nobody.
 */
export function replyNotToRequester(reply: string, requester: string): string | null {
  if (reply.startsWith(`${nodeInboxPrefix(requester)}.`)) return null;
  return `the answer would go to ${reply.slice(0, 80) || '(no reply subject)'}, not to ${requester}'s inbox`;
}

/** The nonces (or requestIds) of partners' accepted requests, per partner, for as long as their time is acceptable. */
export class PartnerNonces {
  private readonly window: NonceWindow;

  /** `maxSkewMs`: how far a request's time may be from this node's clock, either way. */
  constructor(maxSkewMs: number) {
    this.window = new NonceWindow(2 * maxSkewMs);
  }

  /** 'fresh' (and remembered), 'replayed' by `requester`, or 'full'. */
  claim(requester: string, nonce: string, now: number): ReturnType<NonceWindow['claim']> {
    return this.window.claim(`${requester}/${nonce}`, now);
  }
}
