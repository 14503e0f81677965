import { z } from 'zod';
import { DomainError, nodeIdSchema } from '@palermo/indicators';
import { fingerprintOf, type NodePrivateKey, type NodePublicKey } from './bundle.keys';
import { checkpointSchema, verifyCheckpoint, type SignedCheckpoint } from './log.checkpoint';
import { armoredSignatureSchema, checkStatementSignature, fingerprintSchema, firstIssue, instantSchema, MAX_CLOCK_SKEW_MS, signStatement, tryReadPublicKey } from './signed.statement';

/** The spec tag of a witness countersignature. */
export const WITNESS_SPEC = 'palermo/witness@1';

/**
 * A partner's statement that it verified a publisher's checkpoint (signature, and consistency with
 * the last checkpoint it witnessed of that publisher). Collected countersignatures make it hard for
 * a publisher to show different partners different histories.
 */
export interface WitnessStatement {
  spec: typeof WITNESS_SPEC;
  /** The node that countersigns. */
  witness: string;
  /** Fingerprint of the witness's signing key. */
  signer: string;
  /** The checkpoint witnessed, with the publisher's signature: two statements of one publisher that disagree are then evidence on their own. */
  checkpoint: SignedCheckpoint;
  /** When the witness countersigned. */
  at: string;
}

/** A witness statement with the witness's armored detached signature over its RFC 8785 bytes. */
export interface SignedWitness {
  statement: WitnessStatement;
  signature: string;
}

/** Why a witness countersignature is refused; stable codes. */
export type WitnessErrorCode =
  | 'WITNESS_MALFORMED'
  | 'WITNESS_KEY_INVALID'
  | 'WITNESS_NODE_MISMATCH'
  | 'WITNESS_SIGNER_MISMATCH'
  | 'WITNESS_SIGNATURE_INVALID'
  | 'WITNESS_NOT_YET_VALID'
  | 'WITNESS_BEFORE_CHECKPOINT';

const statementSchema = z.strictObject({
  spec: z.literal(WITNESS_SPEC),
  witness: nodeIdSchema,
  signer: fingerprintSchema,
  checkpoint: z.strictObject({ checkpoint: checkpointSchema, signature: armoredSignatureSchema }),
  at: instantSchema,
});
const signedSchema = z.strictObject({ statement: statementSchema, signature: armoredSignatureSchema });

/**
 * Countersigns a publisher's checkpoint after verifying it against the publisher's pinned key;
 * throws the checkpoint's refusal code (e.g. CHECKPOINT_SIGNATURE_INVALID) instead of signing what
 * did not verify. Consistency with the previously witnessed checkpoint is the caller's check
 * (detectFork with the publisher's consistency proof) and must come first.
 */
export async function makeWitnessSignature(input: {
  witness: string;
  signedCheckpoint: unknown;
  /** The publisher's key that signed the checkpoint (armored or read). */
  publisherArmoredPublicKey: string | NodePublicKey;
  publisher: string;
  at?: Date;
  privateKey: NodePrivateKey;
}): Promise<SignedWitness> {
  const at = input.at ?? new Date();
  const verified = await verifyCheckpoint(input.signedCheckpoint, input.publisherArmoredPublicKey, { publisher: input.publisher, now: at });
  if (!verified.ok) throw new DomainError(verified.code, `not countersigned: ${verified.message}`);
  const statement: WitnessStatement = { spec: WITNESS_SPEC, witness: input.witness, signer: fingerprintOf(input.privateKey), checkpoint: { checkpoint: verified.checkpoint, signature: (input.signedCheckpoint as SignedCheckpoint).signature }, at: at.toISOString() };
  const parsed = statementSchema.safeParse(statement);
  if (!parsed.success) throw new DomainError('WITNESS_INVALID', firstIssue(parsed.error, '(statement)'));
  return { statement, signature: await signStatement(statement, input.privateKey) };
}

/**
 * Checks a countersignature as received (parsed JSON) against a key of `witness` (armored or read). The
 * embedded publisher signature is not checked here: verify `statement.checkpoint` with
 * verifyCheckpoint and the publisher's key before using it. Never throws.
 */
export async function verifyWitnessSignature(
  raw: unknown,
  witnessArmoredPublicKey: string | NodePublicKey,
  expect: { witness: string; now?: Date },
): Promise<{ ok: true; statement: WitnessStatement } | { ok: false; code: WitnessErrorCode; message: string }> {
  const parsed = signedSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, code: 'WITNESS_MALFORMED', message: firstIssue(parsed.error, '(witness)') };
  const { statement, signature } = parsed.data as SignedWitness;
  if (statement.witness !== expect.witness) return { ok: false, code: 'WITNESS_NODE_MISMATCH', message: `countersigned by ${statement.witness}, expected ${expect.witness}` };
  const key = await tryReadPublicKey(witnessArmoredPublicKey);
  if (!key.ok) return { ok: false, code: 'WITNESS_KEY_INVALID', message: key.message };
  if (fingerprintOf(key.key) !== statement.signer) {
    return { ok: false, code: 'WITNESS_SIGNER_MISMATCH', message: `signed by key ${statement.signer}, the pinned key of ${expect.witness} is ${fingerprintOf(key.key)}` };
  }
  const verified = await checkStatementSignature(statement, signature, key.key);
  if (!verified.ok) return { ok: false, code: 'WITNESS_SIGNATURE_INVALID', message: verified.message };
  const at = Date.parse(statement.at);
  if (at > (expect.now ?? new Date()).getTime() + MAX_CLOCK_SKEW_MS) return { ok: false, code: 'WITNESS_NOT_YET_VALID', message: `countersigned ${statement.at}, in the future` };
  if (at + MAX_CLOCK_SKEW_MS < Date.parse(statement.checkpoint.checkpoint.at)) {
    return { ok: false, code: 'WITNESS_BEFORE_CHECKPOINT', message: `countersigned ${statement.at}, before the checkpoint was made (${statement.checkpoint.checkpoint.at})` };
  }
  return { ok: true, statement };
}
