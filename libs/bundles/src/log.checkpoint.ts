import { z } from 'zod';
import { DomainError, nodeIdSchema } from '@palermo/indicators';
import { fingerprintOf, type NodePrivateKey, type NodePublicKey } from './bundle.keys';
import { bundleLeaf, EMPTY_TREE_ROOT, leafHash, MERKLE_HASH_PATTERN } from './merkle/merkle.tree';
import { verifyInclusion, type MerkleCheck } from './merkle/merkle.verify';
import { armoredSignatureSchema, checkStatementSignature, fingerprintSchema, firstIssue, instantSchema, MAX_CLOCK_SKEW_MS, signStatement, tryReadPublicKey } from './signed.statement';

/** The spec tag of a feed-log checkpoint. */
export const CHECKPOINT_SPEC = 'palermo/checkpoint@1';

/**
 * A publisher's signed statement of its feed log (the RFC 9162 Merkle tree of every bundle hash it
 * emitted, in order) at one moment: how many bundles, and the root over them. Partners check each
 * bundle's inclusion and each new checkpoint's consistency with the last one they saw.
 */
export interface Checkpoint {
  spec: typeof CHECKPOINT_SPEC;
  /** The node whose log this is. */
  publisher: string;
  /** Number of leaves (bundle hashes) in the log. */
  treeSize: number;
  /** Lower-case hex RFC 9162 root; EMPTY_TREE_ROOT for size 0. */
  rootHash: string;
  /** When the publisher made the checkpoint. */
  at: string;
  /** Fingerprint of the key that signs the checkpoint (the publisher's current key). */
  signer: string;
}

/** A checkpoint with the publisher's armored detached signature over its RFC 8785 bytes. */
export interface SignedCheckpoint {
  checkpoint: Checkpoint;
  signature: string;
}

/** Why a checkpoint is refused; stable codes. */
export type CheckpointErrorCode =
  | 'CHECKPOINT_MALFORMED'
  | 'CHECKPOINT_KEY_INVALID'
  | 'CHECKPOINT_PUBLISHER_MISMATCH'
  | 'CHECKPOINT_SIGNER_MISMATCH'
  | 'CHECKPOINT_SIGNATURE_INVALID'
  | 'CHECKPOINT_NOT_YET_VALID'
  | 'CHECKPOINT_STALE';

/** Zod schema of a checkpoint (strict; a size-0 log must have the empty-tree root). */
export const checkpointSchema = z
  .strictObject({
    spec: z.literal(CHECKPOINT_SPEC),
    publisher: nodeIdSchema,
    treeSize: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    rootHash: z.string().regex(MERKLE_HASH_PATTERN),
    at: instantSchema,
    signer: fingerprintSchema,
  })
  .refine((c) => c.treeSize > 0 || c.rootHash === EMPTY_TREE_ROOT, { message: 'an empty log has the empty-tree root', path: ['rootHash'] });
const signedSchema = z.strictObject({ checkpoint: checkpointSchema, signature: armoredSignatureSchema });

/** Makes and signs a checkpoint of this node's log; throws CHECKPOINT_INVALID for values no verifier would accept. */
export async function makeCheckpoint(input: { publisher: string; treeSize: number; rootHash: string; at?: Date; privateKey: NodePrivateKey }): Promise<SignedCheckpoint> {
  const checkpoint = {
    spec: CHECKPOINT_SPEC,
    publisher: input.publisher,
    treeSize: input.treeSize,
    rootHash: input.rootHash,
    at: (input.at ?? new Date()).toISOString(),
    signer: fingerprintOf(input.privateKey),
  } as const;
  const parsed = checkpointSchema.safeParse(checkpoint);
  if (!parsed.success) throw new DomainError('CHECKPOINT_INVALID', firstIssue(parsed.error, '(checkpoint)'));
  return { checkpoint, signature: await signStatement(checkpoint, input.privateKey) };
}

/**
 * Checks a checkpoint as received (parsed JSON) against a key of `publisher` (armored or read; the
 * pinned one, or an earlier one its key history lets the caller try): shape, that it is that
 * publisher's, signed by that key, not from the future and, with `maxAgeMs`, not older than that.
 * Never throws.
 */
export async function verifyCheckpoint(
  raw: unknown,
  armoredPublicKey: string | NodePublicKey,
  expect: { publisher: string; now?: Date; maxAgeMs?: number },
): Promise<{ ok: true; checkpoint: Checkpoint } | { ok: false; code: CheckpointErrorCode; message: string }> {
  const parsed = signedSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, code: 'CHECKPOINT_MALFORMED', message: firstIssue(parsed.error, '(checkpoint)') };
  const { checkpoint, signature } = parsed.data as SignedCheckpoint;
  if (checkpoint.publisher !== expect.publisher) {
    return { ok: false, code: 'CHECKPOINT_PUBLISHER_MISMATCH', message: `a checkpoint of ${checkpoint.publisher}, expected one of ${expect.publisher}` };
  }
  const key = await tryReadPublicKey(armoredPublicKey);
  if (!key.ok) return { ok: false, code: 'CHECKPOINT_KEY_INVALID', message: key.message };
  if (fingerprintOf(key.key) !== checkpoint.signer) {
    return { ok: false, code: 'CHECKPOINT_SIGNER_MISMATCH', message: `signed by key ${checkpoint.signer}, the pinned key of ${expect.publisher} is ${fingerprintOf(key.key)}` };
  }
  const verified = await checkStatementSignature(checkpoint, signature, key.key);
  if (!verified.ok) return { ok: false, code: 'CHECKPOINT_SIGNATURE_INVALID', message: verified.message };
  const now = (expect.now ?? new Date()).getTime();
  const at = Date.parse(checkpoint.at);
  if (at > now + MAX_CLOCK_SKEW_MS) return { ok: false, code: 'CHECKPOINT_NOT_YET_VALID', message: `made ${checkpoint.at}, in the future` };
  if (expect.maxAgeMs !== undefined && at < now - expect.maxAgeMs) {
    return { ok: false, code: 'CHECKPOINT_STALE', message: `made ${checkpoint.at}, older than ${expect.maxAgeMs} ms` };
  }
  return { ok: true, checkpoint };
}

/**
 * Checks that the bundle with hash `bundleHash` is leaf `index` of the log a verified checkpoint
 * describes (RFC 9162 inclusion against the checkpoint's size and root). Never throws.
 */
export function verifyBundleInclusion(bundleHash: string, index: number, proof: readonly string[], checkpoint: Checkpoint): MerkleCheck {
  if (typeof bundleHash !== 'string' || !MERKLE_HASH_PATTERN.test(bundleHash)) return { ok: false, code: 'MERKLE_INPUT_INVALID', message: 'not a lower-case hex SHA-256 bundle hash' };
  return verifyInclusion(leafHash(bundleLeaf(bundleHash)), index, checkpoint.treeSize, proof, checkpoint.rootHash);
}
