import { canEncryptTo, fingerprintOf, readPublicKey, verifyPartnerCard, type NodePublicKey } from '@palermo/bundles';
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
 * Pins a partner's key after checking it against the fingerprint confirmed out of band, and that
 * restricted bundles can be encrypted to it (PARTNER_KEY_CANNOT_ENCRYPT otherwise: a pin that
 * cannot receive them would hold that partner's chain at its first restricted bundle).
 * Re-pinning a different key is refused: that needs a rotation statement or a new signed card.
 */
export async function pinPartner(store: Store, selfId: string, input: PinPartner, actor: ActorRef | null = null, options: { allowKeyChange?: boolean } = {}) {
  if (!isNodeId(input.nodeId)) throw new DomainError('PARTNER_ID_INVALID', `node id ${JSON.stringify(input.nodeId)} ${NODE_ID_RULE}`);
  if (!JURISDICTION_PATTERN.test(input.jurisdiction)) throw new DomainError('PARTNER_JURISDICTION_INVALID', `jurisdiction ${JSON.stringify(input.jurisdiction)} must be ISO 3166-1 alpha-2, e.g. DE`);
  if (input.nodeId === selfId) throw new DomainError('PARTNER_IS_SELF', 'a node cannot be its own partner');
  let key: NodePublicKey;
  try {
    key = await readPublicKey(input.publicKey);
  } catch (err) {
    throw new DomainError('PARTNER_KEY_INVALID', `publicKey is not an armored OpenPGP public key: ${(err as Error).message}`);
  }
  const fingerprint = fingerprintOf(key);
  if (fingerprint !== input.fingerprint.toLowerCase().replace(/\s/g, '')) {
    throw new DomainError('PARTNER_FINGERPRINT_MISMATCH', `the key's fingerprint is ${fingerprint}, not the confirmed ${input.fingerprint}`);
  }
  await assertCanEncryptTo(key, input.nodeId);
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


/** Refuses a partner key without a usable encryption subkey (PARTNER_KEY_CANNOT_ENCRYPT). */
export async function assertCanEncryptTo(key: NodePublicKey, nodeId: string): Promise<void> {
  if (!(await canEncryptTo(key))) {
    throw new DomainError('PARTNER_KEY_CANNOT_ENCRYPT', `the key ${fingerprintOf(key)} of ${nodeId} has no usable encryption subkey: restricted bundles could not be sent to it`);
  }
}
