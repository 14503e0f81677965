import { fingerprintOf, readPublicKey, verifyPartnerCard } from '@palermo/bundles';
import { DomainError, isNodeId, JURISDICTION_PATTERN, NODE_ID_RULE } from '@palermo/indicators';
import { nodeSubjects } from '@palermo/federation';
import type { ActorRef, Store } from '@palermo/store';

/** Input to pin a partner: its id, jurisdiction and armored public key (fingerprint checked out of band). */
export interface PinPartner {
  nodeId: string;
  jurisdiction: string;
  publicKey: string;
  /** The fingerprint the operator confirmed out of band; must match the key. */
  fingerprint: string;
}

/**
 * Pins a partner's key after checking it against the fingerprint confirmed out of band.
 * Re-pinning a different key is refused: that needs a rotation statement or a new signed card.
 */
export async function pinPartner(store: Store, selfId: string, input: PinPartner, actor: ActorRef | null = null, options: { allowKeyChange?: boolean } = {}) {
  if (!isNodeId(input.nodeId)) throw new DomainError('PARTNER_ID_INVALID', `node id ${JSON.stringify(input.nodeId)} ${NODE_ID_RULE}`);
  if (!JURISDICTION_PATTERN.test(input.jurisdiction)) throw new DomainError('PARTNER_JURISDICTION_INVALID', `jurisdiction ${JSON.stringify(input.jurisdiction)} must be ISO 3166-1 alpha-2, e.g. DE`);
  if (input.nodeId === selfId) throw new DomainError('PARTNER_IS_SELF', 'a node cannot be its own partner');
  let fingerprint: string;
  try {
    fingerprint = fingerprintOf(await readPublicKey(input.publicKey));
  } catch (err) {
    throw new DomainError('PARTNER_KEY_INVALID', `publicKey is not an armored OpenPGP public key: ${(err as Error).message}`);
  }
  if (fingerprint !== input.fingerprint.toLowerCase().replace(/\s/g, '')) {
    throw new DomainError('PARTNER_FINGERPRINT_MISMATCH', `the key's fingerprint is ${fingerprint}, not the confirmed ${input.fingerprint}`);
  }
  await store.partners.upsert({ nodeId: input.nodeId, jurisdiction: input.jurisdiction, fingerprint, armoredPublicKey: input.publicKey }, { refuseKeyChange: options.allowKeyChange !== true, actor });
  return { nodeId: input.nodeId, jurisdiction: input.jurisdiction, fingerprint };
}

/**
 * Pins a partner from its signed partner card, once the operator confirmed the card's fingerprint
 * out of band: the card must verify (shape, key, subjects, self-signature, validity), and the
 * confirmed fingerprint must be the card's. CARD_* codes say what is wrong with a card. A new card
 * is, with a rotation statement, the one way to change a partner's pin: the old key stays in the
 * partner's key history, superseded now.
 */
export async function pinPartnerFromCard(store: Store, selfId: string, signedCard: unknown, confirmedFingerprint: string, actor: ActorRef | null = null) {
  const verified = await verifyPartnerCard(signedCard, nodeSubjects);
  if (!verified.ok) throw new DomainError(verified.code, verified.message);
  const { card } = verified;
  return pinPartner(store, selfId, { nodeId: card.nodeId, jurisdiction: card.jurisdiction, publicKey: card.publicKey, fingerprint: confirmedFingerprint }, actor, { allowKeyChange: true });
}

