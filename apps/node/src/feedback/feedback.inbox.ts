import { Inject, Injectable, Logger } from '@nestjs/common';
import { decryptBundle, MAX_CLOCK_SKEW_MS, MAX_FEEDBACK_BYTES, verifyFeedback, type FeedbackResult } from '@palermo/bundles';
import { FEED_HEADERS, type FeedbackChannelMessage, type FeedVerdict } from '@palermo/federation';
import { DomainError, errorMessage } from '@palermo/indicators';
import { Store } from '@palermo/store';
import type { DecryptionKey } from '../keys/own-key.ring';
import { OwnKeyRing } from '../keys/own-key.ring';
import { SignerKeys } from '../keys/signer.keys';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { quarantineRefused } from '../node/refusal.quarantine';
import { FeedbackHandlers, FeedbackRefusal, type FeedbackHandler, type ReceivedFeedback } from './feedback.handlers';

/** Failed deliveries after which a message that keeps failing is quarantined rather than tried again. */
export const MAX_DELIVERIES = 20;
/** Oldest `at` accepted: the feedback stream's retention (90 days). */
const MAX_AGE_MS = 90 * 86_400_000;

/**
 * Reads the feedback partners addressed to this node. Every message is checked before any feature
 * sees it: sent by a PINNED partner (the subject names the sender, and the server lets only that
 * node publish there), signed by that partner's key (or an earlier key, for a message made before
 * its rotation), naming the same sender and this node, not made in the future. A message announced
 * as encrypted (Palermo-Encrypted) is decrypted with this node's key ring first; the signature
 * covers the canonical bytes inside; a message in clear is refused once its signature showed who
 * sent it (FEEDBACK_NOT_ENCRYPTED). Then the feature's
 * handler decides. Anything refused goes to quarantine with its reason and is acked: never silently
 * dropped, never retried forever. A handler that fails for a passing reason has it delivered again.
 */
@Injectable()
export class FeedbackInbox {
  private readonly logger = new Logger('FeedbackInbox');

  constructor(
    private readonly store: Store,
    private readonly signers: SignerKeys,
    private readonly handlers: FeedbackHandlers,
    @Inject(OwnKeyRing) private readonly ring: { decryptionKey(fingerprint: string): Promise<DecryptionKey> },
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  readonly handle = async (msg: FeedbackChannelMessage): Promise<FeedVerdict> => {
    const checked = await this.check(msg);
    if (checked instanceof FeedbackRefusal) return this.refuse(msg, checked);
    const handler = this.handlers.get(checked.message.spec);
    if (!handler) return this.refuse(msg, new FeedbackRefusal('FEEDBACK_UNSUPPORTED', `this node does not handle ${checked.message.spec}`));
    const outcome = await this.apply(handler, checked, msg.deliveryCount);
    if (outcome instanceof FeedbackRefusal) return this.refuse(msg, outcome);
    return 'ack';
  };

  /**
   * Runs the handler. The stream is read in order, one message at a time, so a message that fails
   * every time would hold back every partner's feedback behind it: a DomainError (the handler's own
   * verdict on this message) is a refusal, and after MAX_DELIVERIES failed deliveries any failure is
   * (FEEDBACK_HANDLER_FAILED, in quarantine with the error). Other errors are delivered again
   * (a database that went away comes back; the quarantine write itself needs it too).
   */
  private async apply(handler: FeedbackHandler, received: ReceivedFeedback, deliveryCount: number): Promise<FeedbackRefusal | void> {
    try {
      return await handler(received);
    } catch (err) {
      if (err instanceof DomainError) return new FeedbackRefusal(err.code, err.message);
      if (deliveryCount >= MAX_DELIVERIES) return new FeedbackRefusal('FEEDBACK_HANDLER_FAILED', `failed ${deliveryCount} times: ${errorMessage(err)}`);
      throw err;
    }
  }

  private async check(msg: FeedbackChannelMessage): Promise<ReceivedFeedback | FeedbackRefusal> {
    const partner = await this.store.partners.get(msg.from);
    if (!partner) return new FeedbackRefusal('FEEDBACK_UNKNOWN_SENDER', `${msg.from} is not a pinned partner of this node`);
    const opened = await this.open(msg);
    if (opened instanceof FeedbackRefusal) return opened;
    const encoded = msg.headers[FEED_HEADERS.signature];
    const signature = Buffer.from(encoded ?? '', 'base64');
    if (!encoded || signature.length === 0 || signature.toString('base64') !== encoded.replace(/\s/g, '')) {
      return new FeedbackRefusal('FEEDBACK_SIGNATURE_INVALID', 'the Palermo-Signature header is absent or not base64');
    }
    type Ok = Extract<FeedbackResult, { ok: true }>;
    type Failed = Extract<FeedbackResult, { ok: false }>;
    const checked = await this.signers.verifyWithHistory<Ok, Failed>(partner, (r) => r.message.at, (key) => verifyFeedback(opened, signature, key), {
      catchUpOn: 'FEEDBACK_SIGNER_MISMATCH',
    });
    if (!checked.ok) return new FeedbackRefusal(checked.code, checked.message);
    const { message, hash } = checked.verified;
    if (message.from !== msg.from) return new FeedbackRefusal('FEEDBACK_SENDER_MISMATCH', `the message names ${message.from} but arrived on ${msg.from}'s subject`);
    if (message.to !== this.config.nodeId) return new FeedbackRefusal('FEEDBACK_NOT_ADDRESSED', `the message is addressed to ${message.to}, this node is ${this.config.nodeId}`);
    const ahead = Date.parse(message.at) - Date.now();
    if (ahead > MAX_CLOCK_SKEW_MS) return new FeedbackRefusal('FEEDBACK_FROM_THE_FUTURE', `made ${Math.round(ahead / 1000)} s ahead of this node's clock`);
    // The stream keeps a message 90 days; an older `at` is a replay from outside it or a back-dated forgery.
    if (-ahead > MAX_AGE_MS) return new FeedbackRefusal('FEEDBACK_STALE', `made ${Math.round(-ahead / 86_400_000)} days ago; at most ${MAX_AGE_MS / 86_400_000} days are accepted`);
    // Every message travels encrypted (case references, reasons); one sent in clear broke the rule on the wire already.
    if (msg.headers[FEED_HEADERS.encrypted] === undefined) return new FeedbackRefusal('FEEDBACK_NOT_ENCRYPTED', 'feedback must be encrypted to this node\'s key (Palermo-Encrypted)');
    return { from: msg.from, message, hash, signer: checked.fingerprint, bytes: opened, signature };
  }

  /** The canonical bytes: the payload itself, or what it decrypts to with this node's key ring. */
  private async open(msg: FeedbackChannelMessage): Promise<Uint8Array | FeedbackRefusal> {
    const recipient = msg.headers[FEED_HEADERS.encrypted];
    if (recipient === undefined) return msg.payload;
    const key = await this.ring.decryptionKey(recipient);
    if (!key.ok) return new FeedbackRefusal(key.code.replace('BUNDLE_', 'FEEDBACK_'), key.message);
    // The header is unsigned: the message itself must name that key too (decryptBundle checks).
    const opened = await decryptBundle(msg.payload, key.privateKey, MAX_FEEDBACK_BYTES);
    return opened.ok ? opened.bytes : new FeedbackRefusal(opened.code.replace('BUNDLE_', 'FEEDBACK_'), opened.message);
  }

  private refuse(msg: FeedbackChannelMessage, reason: FeedbackRefusal): Promise<FeedVerdict> {
    return quarantineRefused(this.store, this.logger, { ...msg, sender: msg.from }, reason, 'feedback.refused', 'feedback');
  }
}
