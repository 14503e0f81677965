import { createHash } from 'node:crypto';
import { canonicalJson } from '@palermo/bundles';

// The audit log's hash chain, without SQL: the store appends with it and `palermo audit verify`
// recomputes it from what GET /api/v1/audit serves, so both must read the same definition.

/** The spec tag inside every hashed entry and every signed checkpoint statement. */
export const AUDIT_ENTRY_SPEC = 'palermo/audit-entry@1';
export const AUDIT_CHECKPOINT_SPEC = 'palermo/audit-checkpoint@1';

/** The fields of one entry the hash covers, exactly as the API serves them. */
export interface AuditChainFields {
  /** 1, 2, 3 … without gaps, in commit order. */
  seq: number;
  /** ISO 8601 UTC with milliseconds (what is stored, read back). */
  at: string;
  actor: { tokenId: string; name: string } | null;
  action: string;
  subjectType: string;
  subjectId: string;
  /** Any JSON value as stored (jsonb): key order does not matter, the hash canonicalizes. */
  details: unknown;
  /** Hash of the entry at seq − 1; null for seq 1. */
  prevHash: string | null;
}

/**
 * hash = lower hex SHA-256 of the UTF-8 RFC 8785 (JCS) serialization of
 * `{spec, seq, at, actor, action, subjectType, subjectId, details, prevHash}`.
 */
export function auditEntryHash(entry: AuditChainFields): string {
  const { seq, at, actor, action, subjectType, subjectId, details, prevHash } = entry;
  const body = { spec: AUDIT_ENTRY_SPEC, seq, at, actor, action, subjectType, subjectId, details, prevHash };
  return createHash('sha256').update(canonicalJson(body), 'utf8').digest('hex');
}

/** What a node signs to vouch for its log up to `seq`. */
export interface AuditCheckpointStatement {
  spec: typeof AUDIT_CHECKPOINT_SPEC;
  node: string;
  seq: number;
  hash: string;
  at: string;
}

/** The bytes a checkpoint's detached OpenPGP signature covers: UTF-8 of the statement's RFC 8785 form. */
export function auditCheckpointBytes(statement: AuditCheckpointStatement): Uint8Array {
  return new TextEncoder().encode(canonicalJson(statement));
}

/** The first thing wrong with a log, named so an auditor can find the row. */
export type AuditChainProblem =
  | { kind: 'deleted'; seq: number; message: string }
  | { kind: 'reordered'; seq: number; message: string }
  | { kind: 'edited'; seq: number; message: string };

/**
 * Checks entries as they stream in (ascending by seq): each must come right after the previous one
 * (a gap means deleted entries), link to it (a wrong prev_hash means moved entries or an edited
 * link) and hash to what it says (anything else edited). Order of checks = most specific diagnosis first.
 */
export class AuditChainChecker {
  private lastSeq = 0;
  private lastHash: string | null = null;
  /** Hash per seq that a checkpoint will ask about (set before feeding entries). */
  private readonly wanted = new Map<number, string | null>();

  /** Remembers the entry hash at `seq` while streaming, so a checkpoint can be compared later. */
  watch(seq: number): void {
    this.wanted.set(seq, null);
  }

  /** Feeds the next entry; returns the first problem, or null when it fits. */
  add(entry: AuditChainFields & { hash: string }): AuditChainProblem | null {
    const expected = this.lastSeq + 1;
    if (entry.seq !== expected) {
      if (entry.seq > expected) {
        const range = entry.seq - 1 === expected ? `${expected}` : `${expected}–${entry.seq - 1}`;
        return { kind: 'deleted', seq: expected, message: `entry ${range} missing: seq jumps from ${this.lastSeq} to ${entry.seq} (deleted)` };
      }
      return { kind: 'reordered', seq: entry.seq, message: `entry ${entry.seq} appears after entry ${this.lastSeq} (reordered or duplicated)` };
    }
    if (entry.prevHash !== this.lastHash) {
      return {
        kind: 'reordered',
        seq: entry.seq,
        message: `entry ${entry.seq} does not link to entry ${this.lastSeq} (prev_hash ${short(entry.prevHash)} ≠ ${short(this.lastHash)}): reordered, or its link edited`,
      };
    }
    const actual = auditEntryHash(entry);
    if (actual !== entry.hash) {
      return { kind: 'edited', seq: entry.seq, message: `entry ${entry.seq} (${entry.action}) was edited: its content hashes to ${short(actual)}, the chain says ${short(entry.hash)}` };
    }
    if (this.wanted.has(entry.seq)) this.wanted.set(entry.seq, entry.hash);
    this.lastSeq = entry.seq;
    this.lastHash = entry.hash;
    return null;
  }

  /** The last accepted entry. */
  get head(): { seq: number; hash: string | null } {
    return { seq: this.lastSeq, hash: this.lastHash };
  }

  /**
   * After the stream: a checkpoint (or the node's head, `what` names which) must point at an entry
   * that is there with the same hash.
   */
  checkCheckpoint(checkpoint: { seq: number; hash: string }, what = 'a signed checkpoint'): AuditChainProblem | null {
    if (checkpoint.seq > this.lastSeq) {
      return {
        kind: 'deleted',
        seq: this.lastSeq + 1,
        message: `${what} vouches for ${checkpoint.seq} entries but the log ends at ${this.lastSeq}: entries ${this.lastSeq + 1}–${checkpoint.seq} deleted`,
      };
    }
    const seen = this.wanted.get(checkpoint.seq);
    if (seen !== checkpoint.hash) {
      return {
        kind: 'edited',
        seq: checkpoint.seq,
        message: `${what} at entry ${checkpoint.seq} says ${short(checkpoint.hash)}, the log has ${short(seen ?? null)}: entries up to ${checkpoint.seq} were rewritten`,
      };
    }
    return null;
  }
}

function short(hash: string | null): string {
  return hash === null ? 'null' : hash.slice(0, 12);
}
