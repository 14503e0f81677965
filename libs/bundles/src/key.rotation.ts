import { z } from 'zod';
import { DomainError, nodeIdSchema } from '@palermo/indicators';
import { fingerprintOf, type NodePrivateKey, type NodePublicKey } from './bundle.keys';
import { armoredKeySchema, armoredSignatureSchema, checkStatementSignature, fingerprintSchema, firstIssue, instantSchema, MAX_CLOCK_SKEW_MS, signStatement, tryReadPublicKey } from './signed.statement';

/** The spec tag of a key rotation statement. */
export const KEY_ROTATION_SPEC = 'palermo/key-rotation@1';

/**
 * A node's statement that it replaces its signing key. Signed by the old key (so a partner that
 * pinned it can trust the new one) and by the new key (proof that whoever announces it holds it).
 */
export interface KeyRotation {
  spec: typeof KEY_ROTATION_SPEC;
  nodeId: string;
  /** Fingerprint of the key being replaced (the one partners have pinned). */
  oldFingerprint: string;
  /** Fingerprint of `newPublicKey`. */
  newFingerprint: string;
  /** ASCII-armored OpenPGP public key (v4 EdDSA) that signs from now on. */
  newPublicKey: string;
  at: string;
}

/** A rotation with both armored detached signatures over the same RFC 8785 bytes. */
export interface SignedKeyRotation {
  rotation: KeyRotation;
  oldSignature: string;
  newSignature: string;
}

/** Why a rotation statement is refused; stable codes. */
export type KeyRotationErrorCode =
  | 'ROTATION_MALFORMED'
  | 'ROTATION_NODE_MISMATCH'
  | 'ROTATION_PINNED_KEY_INVALID'
  | 'ROTATION_OLD_KEY_NOT_PINNED'
  | 'ROTATION_NEW_KEY_INVALID'
  | 'ROTATION_FINGERPRINT_MISMATCH'
  | 'ROTATION_OLD_SIGNATURE_INVALID'
  | 'ROTATION_NEW_SIGNATURE_INVALID'
  | 'ROTATION_NOT_YET_VALID';

const rotationSchema = z
  .strictObject({
    spec: z.literal(KEY_ROTATION_SPEC),
    nodeId: nodeIdSchema,
    oldFingerprint: fingerprintSchema,
    newFingerprint: fingerprintSchema,
    newPublicKey: armoredKeySchema,
    at: instantSchema,
  })
  .refine((r) => r.oldFingerprint !== r.newFingerprint, { message: 'the new key is the old key', path: ['newFingerprint'] });
const signedSchema = z.strictObject({ rotation: rotationSchema, oldSignature: armoredSignatureSchema, newSignature: armoredSignatureSchema });

/** Makes a rotation statement signed by both keys; throws ROTATION_INVALID if the new public key is not the new private key's. */
export async function makeKeyRotation(input: { nodeId: string; oldPrivateKey: NodePrivateKey; newPrivateKey: NodePrivateKey; newArmoredPublicKey: string; at?: Date }): Promise<SignedKeyRotation> {
  const newKey = await tryReadPublicKey(input.newArmoredPublicKey);
  if (!newKey.ok) throw new DomainError('ROTATION_INVALID', `newArmoredPublicKey: ${newKey.message}`);
  if (fingerprintOf(newKey.key) !== fingerprintOf(input.newPrivateKey)) throw new DomainError('ROTATION_INVALID', 'newArmoredPublicKey is not the public half of newPrivateKey');
  const rotation: KeyRotation = {
    spec: KEY_ROTATION_SPEC,
    nodeId: input.nodeId,
    oldFingerprint: fingerprintOf(input.oldPrivateKey),
    newFingerprint: fingerprintOf(input.newPrivateKey),
    newPublicKey: input.newArmoredPublicKey,
    at: (input.at ?? new Date()).toISOString(),
  };
  const parsed = rotationSchema.safeParse(rotation);
  if (!parsed.success) throw new DomainError('ROTATION_INVALID', firstIssue(parsed.error, '(rotation)'));
  const [oldSignature, newSignature] = await Promise.all([signStatement(rotation, input.oldPrivateKey), signStatement(rotation, input.newPrivateKey)]);
  return { rotation, oldSignature, newSignature };
}

type RotationResult = { ok: true; rotation: KeyRotation; newKey: NodePublicKey } | { ok: false; code: KeyRotationErrorCode; message: string };

/**
 * Checks a rotation statement as received (parsed JSON) for partner `nodeId`, against the key
 * pinned for it: the statement must name that node and that key, carry a readable new key with
 * the stated fingerprint, and be signed by both the pinned key and the new key. Never throws.
 */
export async function verifyKeyRotation(raw: unknown, pinnedOldArmoredPublicKey: string, expect: { nodeId: string; now?: Date }): Promise<RotationResult> {
  const parsed = signedSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, code: 'ROTATION_MALFORMED', message: firstIssue(parsed.error, '(rotation)') };
  const { rotation, oldSignature, newSignature } = parsed.data as SignedKeyRotation;
  if (rotation.nodeId !== expect.nodeId) return { ok: false, code: 'ROTATION_NODE_MISMATCH', message: `a rotation of ${rotation.nodeId}, expected one of ${expect.nodeId}` };
  const pinned = await tryReadPublicKey(pinnedOldArmoredPublicKey);
  if (!pinned.ok) return { ok: false, code: 'ROTATION_PINNED_KEY_INVALID', message: pinned.message };
  if (fingerprintOf(pinned.key) !== rotation.oldFingerprint) {
    return { ok: false, code: 'ROTATION_OLD_KEY_NOT_PINNED', message: `rotates away from key ${rotation.oldFingerprint}; the key pinned for ${expect.nodeId} is ${fingerprintOf(pinned.key)}` };
  }
  // The pinned key's signature first: the new key is not even parsed unless the pinned key vouches for it.
  const byOld = await checkStatementSignature(rotation, oldSignature, pinned.key);
  if (!byOld.ok) return { ok: false, code: 'ROTATION_OLD_SIGNATURE_INVALID', message: `not signed by the pinned key: ${byOld.message}` };
  const newKey = await tryReadPublicKey(rotation.newPublicKey);
  if (!newKey.ok) return { ok: false, code: 'ROTATION_NEW_KEY_INVALID', message: `newPublicKey: ${newKey.message}` };
  if (fingerprintOf(newKey.key) !== rotation.newFingerprint) {
    return { ok: false, code: 'ROTATION_FINGERPRINT_MISMATCH', message: `the new key's fingerprint is ${fingerprintOf(newKey.key)}, the statement says ${rotation.newFingerprint}` };
  }
  const byNew = await checkStatementSignature(rotation, newSignature, newKey.key);
  if (!byNew.ok) return { ok: false, code: 'ROTATION_NEW_SIGNATURE_INVALID', message: `not signed by the new key: ${byNew.message}` };
  if (Date.parse(rotation.at) > (expect.now ?? new Date()).getTime() + MAX_CLOCK_SKEW_MS) return { ok: false, code: 'ROTATION_NOT_YET_VALID', message: `made ${rotation.at}, in the future` };
  return { ok: true, rotation, newKey: newKey.key };
}
