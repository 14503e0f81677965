import { Injectable } from '@nestjs/common';
import type { FeedbackMessage } from '@palermo/bundles';
import type { IndicatorRecord, OutgoingFeedback } from '@palermo/store';
import { FeedbackOutbox } from './feedback.outbox';
import { FeedbackSigner } from './feedback.signer';
import { FeedbackPeers } from './feedback.peers';
import type { OriginRoute, PartnerRoute } from './feedback.rules';

/** What a record stores about the message it reports: its outbox row (written in the record's transaction), or why it is not sent. */
export type FeedbackSend = { outgoing: OutgoingFeedback } | { notSent: { to: string; reason: string } };

/** The fields of the message to seal for a recipient (FeedbackSigner.seal without `to`). */
export type FeedbackFields = (to: string) => Parameters<FeedbackSigner['seal']>[0];

/**
 * How a sighting, a dispute, a resolution and a disclosure request or decision leave this node, the same way each: route it (the
 * rules in feedback.rules.ts), sign the message first when it travels, let the caller's repository
 * write the record and the outbox row in one transaction, then kick the outbox. A record that cannot
 * travel is written with the reason instead.
 */
@Injectable()
export class FeedbackSender {
  constructor(
    private readonly peers: FeedbackPeers,
    private readonly signer: FeedbackSigner,
    private readonly outbox: FeedbackOutbox,
  ) {}

  /** Where a sighting or dispute of this indicator goes (own: nowhere). */
  routeToOrigin(indicator: IndicatorRecord): Promise<OriginRoute> {
    return this.peers.routeFor(indicator);
  }

  /** Whether the answer to a partner's dispute can travel. */
  routeAnswer(partner: string): Promise<PartnerRoute> {
    return this.peers.routeAnswer(partner);
  }

  /** Signs a message without writing it (for a record whose message fields are known only inside its own transaction); kick() after commit. */
  seal(fields: Parameters<FeedbackSigner['seal']>[0]): ReturnType<FeedbackSigner['seal']> {
    return this.signer.seal(fields);
  }

  /** Publishes what is pending now (after the transaction that wrote a sealed row committed). */
  kick(): void {
    this.outbox.kick();
  }

  /** Seals `fields(to)`, calls `write` with its outbox row and the sealed message, and kicks the outbox after `write` committed. */
  async send<T>(to: string, fields: FeedbackFields, write: (row: OutgoingFeedback, message: FeedbackMessage) => Promise<T>): Promise<T> {
    const { message, row } = await this.signer.seal(fields(to));
    const written = await write(row, message);
    this.outbox.kick();
    return written;
  }

  /** Like send when the route sends; otherwise `write` gets the not-sent reason and nothing is signed. */
  deliver<T>(route: PartnerRoute, fields: FeedbackFields, write: (send: FeedbackSend) => Promise<T>): Promise<T> {
    if (route.kind !== 'send') return write({ notSent: { to: route.to, reason: route.code } });
    return this.send(route.to, fields, (row) => write({ outgoing: row }));
  }
}
