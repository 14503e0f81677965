import { Injectable } from '@nestjs/common';
import type { FeedbackMessage, FeedbackSpec } from '@palermo/bundles';

/** One verified feedback message, as a handler sees it: the sender comes from the subject and the pinned key. */
export interface ReceivedFeedback<M extends FeedbackMessage = FeedbackMessage> {
  /** The sender: a pinned partner whose key signed the message, and the subject's last token. */
  from: string;
  message: M;
  /** SHA-256 of the message's canonical bytes. */
  hash: string;
  /** Fingerprint of the key that signed it. */
  signer: string;
  /** The message's canonical bytes and binary signature, for handlers that keep the evidence. */
  bytes: Uint8Array;
  signature: Uint8Array;
}

/** Why a handler did not accept a message; the inbox quarantines it with this code and acks. */
export class FeedbackRefusal {
  constructor(
    readonly code: string,
    readonly message: string,
  ) {}
}

/**
 * Applies one message. Must be idempotent by message id (a redelivery applies nothing twice).
 * Returns a refusal for a message that will never be acceptable; throws to have it delivered again.
 */
export type FeedbackHandler<M extends FeedbackMessage = FeedbackMessage> = (received: ReceivedFeedback<M>) => Promise<FeedbackRefusal | void>;

/**
 * Who handles which feedback spec. The feature services (sightings, disputes, disclosures) register
 * in onModuleInit; the inbox dispatches to them after checking the signature and the addressing.
 */
@Injectable()
export class FeedbackHandlers {
  private readonly handlers = new Map<FeedbackSpec, FeedbackHandler>();

  /** Registers the handler of one spec; a second registration of the same spec is a wiring mistake. */
  register<M extends FeedbackMessage>(spec: M['spec'], handler: FeedbackHandler<M>): void {
    if (this.handlers.has(spec)) throw new Error(`a handler for ${spec} is already registered`);
    this.handlers.set(spec, handler as FeedbackHandler);
  }

  /** The handler of a spec, or undefined (the inbox quarantines FEEDBACK_UNSUPPORTED). */
  get(spec: FeedbackSpec): FeedbackHandler | undefined {
    return this.handlers.get(spec);
  }
}
