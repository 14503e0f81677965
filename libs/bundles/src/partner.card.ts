import { z } from 'zod';
import { errorMessage, JURISDICTION_PATTERN, nodeIdSchema } from '@palermo/indicators';
import { canonicalJson } from './bundle.codec';
import { fingerprintOf, readPublicKey, type NodePrivateKey } from './bundle.keys';
import { armorSignature, dearmorSignature, signDetached, verifyDetached } from './bundle.signature';

/** The spec tag of a partner card. */
export const PARTNER_CARD_SPEC = 'palermo/partner-card@1';
const DAY_MS = 86_400_000;
const MAX_CARD_DAYS = 3 * 365;

/**
 * What a node tells a prospective partner about itself: who it is, the subjects it publishes on and
 * the key that signs its bundles. The card is signed by that same key (a self-signature): it proves
 * the card was made by whoever holds the key, not who that is — the fingerprint is confirmed out of band.
 */
export interface PartnerCard {
  spec: typeof PARTNER_CARD_SPEC;
  nodeId: string;
  /** ISO 3166-1 alpha-2. */
  jurisdiction: string;
  /** Lower-case hex fingerprint of `publicKey`. */
  fingerprint: string;
  /** ASCII-armored OpenPGP public key (v4 EdDSA). */
  publicKey: string;
  /** The wire protocol v1 subjects of this node (DESIGN.md), stated so a partner can configure its server. */
  subjects: { feed: string; receipts: string; lookups: string };
  issuedAt: string;
  validUntil: string;
}

/** A card with its armored detached signature over the card's RFC 8785 bytes. */
export interface SignedPartnerCard {
  card: PartnerCard;
  signature: string;
}

/** Why a card is refused; stable codes. */
export type PartnerCardErrorCode = 'CARD_MALFORMED' | 'CARD_KEY_INVALID' | 'CARD_FINGERPRINT_MISMATCH' | 'CARD_SUBJECTS_INVALID' | 'CARD_SIGNATURE_INVALID' | 'CARD_EXPIRED' | 'CARD_NOT_YET_VALID';

const instant = z.iso.datetime({ offset: false });
const cardSchema = z.strictObject({
  spec: z.literal(PARTNER_CARD_SPEC),
  nodeId: nodeIdSchema,
  jurisdiction: z.string().regex(JURISDICTION_PATTERN),
  fingerprint: z.string().regex(/^[0-9a-f]{40,64}$/),
  publicKey: z.string().min(1).max(64 * 1024),
  subjects: z.strictObject({ feed: z.string().max(200), receipts: z.string().max(200), lookups: z.string().max(200) }),
  issuedAt: instant,
  validUntil: instant,
});
const signedSchema = z.strictObject({ card: cardSchema, signature: z.string().min(1).max(16 * 1024) });

/** The subjects a node states on its card; libs/federation spells them (`nodeSubjects`). */
export type PartnerSubjects = (nodeId: string) => PartnerCard['subjects'];

/** The bytes a card's signature covers: UTF-8 of its RFC 8785 serialization. */
export function partnerCardBytes(card: PartnerCard): Uint8Array {
  return new TextEncoder().encode(canonicalJson(card));
}

/** Makes this node's card, valid from `now` for `validDays` (default one year), signed with its key. */
export async function makePartnerCard(input: {
  nodeId: string;
  jurisdiction: string;
  subjects: PartnerSubjects;
  privateKey: NodePrivateKey;
  armoredPublicKey: string;
  validDays?: number;
  now?: Date;
}): Promise<SignedPartnerCard> {
  const now = input.now ?? new Date();
  const days = Math.min(Math.max(1, Math.floor(input.validDays ?? 365)), MAX_CARD_DAYS);
  const card: PartnerCard = {
    spec: PARTNER_CARD_SPEC,
    nodeId: input.nodeId,
    jurisdiction: input.jurisdiction,
    fingerprint: fingerprintOf(input.privateKey),
    publicKey: input.armoredPublicKey,
    subjects: input.subjects(input.nodeId),
    issuedAt: now.toISOString(),
    validUntil: new Date(now.getTime() + days * DAY_MS).toISOString(),
  };
  return { card, signature: armorSignature(await signDetached(partnerCardBytes(card), input.privateKey)) };
}

/**
 * Checks a card as received (parsed JSON): shape, that the key is a key and has the stated
 * fingerprint, that its subjects are `subjects(nodeId)`, the self-signature, and the validity
 * window. Never throws.
 */
export async function verifyPartnerCard(raw: unknown, subjects: PartnerSubjects, now = new Date()): Promise<{ ok: true; card: PartnerCard } | { ok: false; code: PartnerCardErrorCode; message: string }> {
  const parsed = signedSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, code: 'CARD_MALFORMED', message: `${issue.path.join('.') || '(card)'}: ${issue.message}` };
  }
  const { card, signature } = parsed.data as SignedPartnerCard;
  let key;
  try {
    key = await readPublicKey(card.publicKey);
  } catch (error) {
    return { ok: false, code: 'CARD_KEY_INVALID', message: `publicKey is not an OpenPGP public key: ${errorMessage(error)}` };
  }
  if (fingerprintOf(key) !== card.fingerprint) {
    return { ok: false, code: 'CARD_FINGERPRINT_MISMATCH', message: `the key's fingerprint is ${fingerprintOf(key)}, the card says ${card.fingerprint}` };
  }
  if (canonicalJson(card.subjects) !== canonicalJson(subjects(card.nodeId))) {
    return { ok: false, code: 'CARD_SUBJECTS_INVALID', message: `the subjects are not those of ${card.nodeId} under wire protocol v1` };
  }
  let binary: Uint8Array;
  try {
    binary = await dearmorSignature(signature);
  } catch (error) {
    return { ok: false, code: 'CARD_SIGNATURE_INVALID', message: `not an armored OpenPGP signature: ${errorMessage(error)}` };
  }
  const verified = await verifyDetached(partnerCardBytes(card), binary, key);
  if (!verified.ok) return { ok: false, code: 'CARD_SIGNATURE_INVALID', message: `the card is not signed by its own key: ${verified.message}` };
  if (Date.parse(card.issuedAt) > now.getTime() + DAY_MS) return { ok: false, code: 'CARD_NOT_YET_VALID', message: `issued ${card.issuedAt}, in the future` };
  if (Date.parse(card.validUntil) <= now.getTime()) return { ok: false, code: 'CARD_EXPIRED', message: `valid until ${card.validUntil}` };
  return { ok: true, card };
}
