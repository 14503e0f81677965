import { DomainError } from '@palermo/indicators';
import type { SignedCheckpoint } from './log.checkpoint';
import { verifyConsistency } from './merkle/merkle.verify';

/** Why two checkpoints of one publisher cannot both describe one append-only log. */
export type ForkReason =
  /** Same size, different roots: two signed, different histories. Self-evident. */
  | 'SAME_SIZE_DIFFERENT_ROOT'
  /** The later checkpoint has fewer bundles than an earlier one: the log lost entries. Self-evident. */
  | 'TREE_SHRANK'
  /** The consistency proof offered for the two sizes does not verify. */
  | 'CONSISTENCY_PROOF_FAILED';

/** Evidence of a fork: both signed checkpoints (anyone can re-verify them) and the proof, if one was used. */
export interface ForkReport {
  publisher: string;
  reason: ForkReason;
  message: string;
  /** The checkpoint of the smaller tree (or the earlier one at equal sizes). */
  first: SignedCheckpoint;
  second: SignedCheckpoint;
  consistencyProof?: string[];
}

/** The outcome of detectFork. `unproven`: sizes differ and no consistency proof was given. */
export type ForkCheck = { status: 'consistent' } | { status: 'unproven'; message: string } | { status: 'fork'; report: ForkReport };

/**
 * Compares two checkpoints of one publisher, both already verified with verifyCheckpoint. A fork
 * is reported for equal sizes with different roots, for a log that shrank over time, and for a
 * consistency proof (from the smaller size to the larger) that fails. Throws FORK_CHECK_PUBLISHERS_DIFFER
 * for checkpoints of two publishers (a caller's mistake, not evidence).
 */
export function detectFork(a: SignedCheckpoint, b: SignedCheckpoint, consistencyProof?: readonly string[]): ForkCheck {
  const [x, y] = [a.checkpoint, b.checkpoint];
  if (x.publisher !== y.publisher) throw new DomainError('FORK_CHECK_PUBLISHERS_DIFFER', `checkpoints of ${x.publisher} and ${y.publisher} describe two logs`);
  const [first, second] = x.treeSize < y.treeSize || (x.treeSize === y.treeSize && Date.parse(x.at) <= Date.parse(y.at)) ? [a, b] : [b, a];
  const [m, n] = [first.checkpoint, second.checkpoint];
  const fork = (reason: ForkReason, message: string, proof?: readonly string[]): ForkCheck => ({
    status: 'fork',
    report: { publisher: m.publisher, reason, message, first, second, ...(proof ? { consistencyProof: [...proof] } : {}) },
  });
  if (m.treeSize === n.treeSize) {
    return m.rootHash === n.rootHash ? { status: 'consistent' } : fork('SAME_SIZE_DIFFERENT_ROOT', `two roots for ${m.treeSize} bundles: ${m.rootHash} (${m.at}) and ${n.rootHash} (${n.at})`);
  }
  // The publisher's own clock orders its own statements.
  if (Date.parse(m.at) > Date.parse(n.at)) return fork('TREE_SHRANK', `${n.treeSize} bundles at ${n.at}, only ${m.treeSize} at the later ${m.at}`);
  // Every log extends the empty one (the schema pins an empty log's root); no proof is needed or judged.
  if (m.treeSize === 0) return { status: 'consistent' };
  if (consistencyProof === undefined) return { status: 'unproven', message: `no consistency proof from ${m.treeSize} to ${n.treeSize} bundles` };
  const checked = verifyConsistency(m.treeSize, n.treeSize, m.rootHash, n.rootHash, consistencyProof);
  if (checked.ok) return { status: 'consistent' };
  return fork('CONSISTENCY_PROOF_FAILED', `${m.treeSize} → ${n.treeSize} bundles: ${checked.code} ${checked.message}`, Array.isArray(consistencyProof) ? consistencyProof : []);
}
