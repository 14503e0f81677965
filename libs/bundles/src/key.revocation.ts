import { z } from 'zod';
import { DomainError, nodeIdSchema } from '@palermo/indicators';
import { fingerprintOf, type NodePrivateKey } from './bundle.keys';
import { armoredSignatureSchema, checkStatementSignature, fingerprintSchema, firstIssue, instantSchema, MAX_CLOCK_SKEW_MS, signStatement, tryReadPublicKey } from './signed.statement';

/** The spec tag of a key revocation statement. */
export const KEY_REVOCATION_SPEC = 'palermo/key-revocation@1';
/** Why a key is revoked (after RFC 4880 §5.2.3.23). Only `key-compromise` means someone else may hold it. */
export const REVOCATION_REASONS = ['key-compromise', 'superseded', 'retired'] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

/**
 * A node's statement that one of its keys signs nothing valid from `compromisedAt` on. Signed by
 * the revoked key itself or by its successor (the key a rotation statement moved the node to).
 */
export interface KeyRevocation {
  spec: typeof KEY_REVOCATION_SPEC;
  nodeId: string;
  /** Fingerprint of the revoked key. */
  fingerprint: string;
  reason: RevocationReason;
  /** From this instant on, signatures by the key are not trusted (for a compromise: the earliest possible moment). */
  compromisedAt: string;
  /** When the revocation was issued; not before compromisedAt. */
  at: string;
  /** Fingerprint of the signing key: `fingerprint` itself or its successor's. */
  signer: string;
}

/** A revocation with its armored detached signature over the RFC 8785 bytes. */
export interface SignedKeyRevocation {
  revocation: KeyRevocation;
  signature: string;
}

/** Why a revocation statement is refused; stable codes. */
export type KeyRevocationErrorCode =
  | 'REVOCATION_MALFORMED'
  | 'REVOCATION_NODE_MISMATCH'
  | 'REVOCATION_KEY_INVALID'
  | 'REVOCATION_KEY_MISMATCH'
  | 'REVOCATION_SIGNER_UNKNOWN'
  | 'REVOCATION_SIGNATURE_INVALID'
  | 'REVOCATION_NOT_YET_VALID';

const revocationSchema = z
  .strictObject({
    spec: z.literal(KEY_REVOCATION_SPEC),
    nodeId: nodeIdSchema,
    fingerprint: fingerprintSchema,
    reason: z.enum(REVOCATION_REASONS),
    compromisedAt: instantSchema,
    at: instantSchema,
    signer: fingerprintSchema,
  })
  .refine((r) => Date.parse(r.compromisedAt) <= Date.parse(r.at), { message: 'compromisedAt is after the revocation was issued', path: ['compromisedAt'] });
const signedSchema = z.strictObject({ revocation: revocationSchema, signature: armoredSignatureSchema });

/** Makes a revocation of key `fingerprint`, signed by `privateKey` (that key or its successor); throws REVOCATION_INVALID. */
export async function makeKeyRevocation(input: {
  nodeId: string;
  fingerprint: string;
  compromisedAt: Date;
  reason: RevocationReason;
  privateKey: NodePrivateKey;
  at?: Date;
}): Promise<SignedKeyRevocation> {
  const revocation: KeyRevocation = {
    spec: KEY_REVOCATION_SPEC,
    nodeId: input.nodeId,
    fingerprint: input.fingerprint,
    reason: input.reason,
    compromisedAt: input.compromisedAt.toISOString(),
    at: (input.at ?? new Date()).toISOString(),
    signer: fingerprintOf(input.privateKey),
  };
  const parsed = revocationSchema.safeParse(revocation);
  if (!parsed.success) throw new DomainError('REVOCATION_INVALID', firstIssue(parsed.error, '(revocation)'));
  return { revocation, signature: await signStatement(revocation, input.privateKey) };
}

type RevocationResult = { ok: true; revocation: KeyRevocation } | { ok: false; code: KeyRevocationErrorCode; message: string };

/**
 * Checks a revocation as received (parsed JSON) for partner `nodeId`: `revokedKey` is the key
 * pinned (now or before) under the revoked fingerprint, `successorKey` the key pinned after it
 * through a verified rotation, if any. The signer must be one of the two. Never throws.
 */
export async function verifyKeyRevocation(raw: unknown, expect: { nodeId: string; revokedKey: string; successorKey?: string; now?: Date }): Promise<RevocationResult> {
  const parsed = signedSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, code: 'REVOCATION_MALFORMED', message: firstIssue(parsed.error, '(revocation)') };
  const { revocation, signature } = parsed.data as SignedKeyRevocation;
  if (revocation.nodeId !== expect.nodeId) return { ok: false, code: 'REVOCATION_NODE_MISMATCH', message: `a revocation of ${revocation.nodeId}, expected one of ${expect.nodeId}` };
  const revoked = await tryReadPublicKey(expect.revokedKey);
  if (!revoked.ok) return { ok: false, code: 'REVOCATION_KEY_INVALID', message: `revokedKey: ${revoked.message}` };
  if (fingerprintOf(revoked.key) !== revocation.fingerprint) {
    return { ok: false, code: 'REVOCATION_KEY_MISMATCH', message: `revokes ${revocation.fingerprint}, the given key is ${fingerprintOf(revoked.key)}` };
  }
  let signer = revoked.key;
  if (revocation.signer !== revocation.fingerprint) {
    const successor = expect.successorKey === undefined ? undefined : await tryReadPublicKey(expect.successorKey);
    if (successor && !successor.ok) return { ok: false, code: 'REVOCATION_KEY_INVALID', message: `successorKey: ${successor.message}` };
    if (!successor || fingerprintOf(successor.key) !== revocation.signer) {
      return { ok: false, code: 'REVOCATION_SIGNER_UNKNOWN', message: `signed by ${revocation.signer}, neither the revoked key nor its pinned successor` };
    }
    signer = successor.key;
  }
  const verified = await checkStatementSignature(revocation, signature, signer);
  if (!verified.ok) return { ok: false, code: 'REVOCATION_SIGNATURE_INVALID', message: verified.message };
  if (Date.parse(revocation.at) > (expect.now ?? new Date()).getTime() + MAX_CLOCK_SKEW_MS) return { ok: false, code: 'REVOCATION_NOT_YET_VALID', message: `issued ${revocation.at}, in the future` };
  return { ok: true, revocation };
}

/** Whether a bundle's signature still counts, given the revocation (if any) of its signing key. */
export type SignatureValidity =
  | { status: 'valid'; message: string }
  | { status: 'valid-before-revocation'; revocation: KeyRevocation; message: string }
  | { status: 'quarantine'; code: 'KEY_REVOKED'; revocation: KeyRevocation; message: string };

/**
 * Decides whether a bundle signed by `signer` stays valid under a verified revocation. A bundle is
 * valid before the revocation (and says so) when a clock the publisher does not control shows it
 * existed before `compromisedAt`: our own `receivedAt`, or `attestedAt` (e.g. a witnessed checkpoint
 * that includes it). The bundle's own `createdAt` is enough only when the key was not compromised:
 * whoever holds a compromised key can also backdate. Everything else is quarantined.
 */
export function signatureValidity(bundle: { signer: string; createdAt: string; receivedAt: string; attestedAt?: string }, revocation: KeyRevocation | null): SignatureValidity {
  if (!revocation || revocation.fingerprint !== bundle.signer) return { status: 'valid', message: 'the signing key is not revoked' };
  const cutoff = Date.parse(revocation.compromisedAt);
  const independent = Math.min(Date.parse(bundle.receivedAt), bundle.attestedAt === undefined ? Infinity : Date.parse(bundle.attestedAt));
  // NaN compares false everywhere below, so an unreadable time ends in quarantine.
  if (independent < cutoff) {
    return { status: 'valid-before-revocation', revocation, message: `signed by key ${revocation.fingerprint}, revoked (${revocation.reason}) from ${revocation.compromisedAt}; this bundle was known at ${new Date(independent).toISOString()}, before that` };
  }
  const created = Date.parse(bundle.createdAt);
  if (revocation.reason !== 'key-compromise' && created < cutoff) {
    return { status: 'valid-before-revocation', revocation, message: `signed by key ${revocation.fingerprint}, ${revocation.reason} from ${revocation.compromisedAt}; this bundle was created ${bundle.createdAt}, before that` };
  }
  const why = created < cutoff ? `claims ${bundle.createdAt}, before the compromise, but nothing independent shows it existed then` : `created ${bundle.createdAt}, after`;
  return { status: 'quarantine', code: 'KEY_REVOKED', revocation, message: `signed by key ${revocation.fingerprint}, revoked (${revocation.reason}) from ${revocation.compromisedAt}; ${why}` };
}
