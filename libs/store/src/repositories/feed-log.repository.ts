import { DomainError } from '@palermo/indicators';
import { decodeCursor, toPage } from '../cursor.helper';
import { checkLimit, query, toIso, toIsoOrNull } from '../sql.helper';
import type { Page } from '../store.types';
import { appendAudit } from './audit.repository';
import { feedLogConsistency, feedLogInclusion, feedLogRoot } from './feed-log.sql';
import { Repository } from './repository.base';

/** One of this node's signed feed-log checkpoints. */
export interface LogCheckpointRecord {
  /** Row id (bigint as decimal string). */
  id: string;
  treeSize: number;
  rootHash: string;
  at: string;
  signer: string;
  /** The signed checkpoint exactly as published: {checkpoint, signature}. */
  signed: unknown;
  /** When this node's log stream acknowledged it; null while it waits to be published. */
  publishedAt: string | null;
}

/** A partner's countersignature of one of this node's checkpoints, verified against its pinned key. */
export interface LogWitnessRecord {
  witness: string;
  signer: string;
  at: string;
  receivedAt: string;
  /** The signed witness statement exactly as received: {statement, signature}. */
  signed: unknown;
}

/** What addCheckpoint stores. */
export interface NewLogCheckpoint {
  treeSize: number;
  rootHash: string;
  at: string;
  signer: string;
  signed: unknown;
}

interface CheckpointRow {
  id: string;
  tree_size: string | number;
  root_hash: string;
  at: Date | string;
  signer: string;
  signed: unknown;
  published_at: Date | string | null;
}

const CHECKPOINT_COLUMNS = `id::text as id, tree_size, root_hash, at, signer, signed, published_at`;
const SIZE_SQL = `select size::text as size from feed_log_head where id = 1`;
const LEAF_SQL = `select leaf_index::text as leaf_index from feed_log where bundle_hash = ?`;
const INSERT_CHECKPOINT_SQL = `
  insert into log_checkpoint (tree_size, root_hash, at, signer, signed) values (?, ?, ?::timestamptz, ?, ?::jsonb)
  on conflict (tree_size) do nothing
  returning ${CHECKPOINT_COLUMNS}`;
const INSERT_WITNESS_SQL = `
  insert into log_witness (checkpoint_id, witness, signer, at, signed) values (?::bigint, ?, ?, ?::timestamptz, ?::jsonb)
  on conflict (checkpoint_id, witness) do nothing
  returning id::text as id`;
const WITNESSES_SQL = `
  select checkpoint_id::text as checkpoint_id, witness, signer, at, received_at, signed
  from log_witness where checkpoint_id in (select json_array_elements_text(?::text::json)::bigint) order by checkpoint_id, witness`;

/**
 * This node's verifiable feed log (publisher side): the Merkle log its outbound bundles are appended
 * to (by BundleRepository.saveOutbound, in the same transaction), its signed checkpoints and their
 * witnesses. Roots and proofs read O(log² n) stored subtree hashes, never the whole log.
 */
export class FeedLogRepository extends Repository {
  /** Number of leaves in the log. */
  async size(): Promise<number> {
    const [row] = await query<{ size: string }>(this.fork(), SIZE_SQL);
    return Number(row?.size ?? 0);
  }

  /** The log's current size and RFC 9162 root, read together. */
  head(): Promise<{ treeSize: number; rootHash: string }> {
    return this.transaction(async (em) => {
      const [row] = await query<{ size: string }>(em, SIZE_SQL);
      const treeSize = Number(row?.size ?? 0);
      return { treeSize, rootHash: await feedLogRoot(em, treeSize) };
    });
  }

  /** Leaf index of a bundle hash in the log, or null. */
  async leafIndex(bundleHash: string): Promise<number | null> {
    const [row] = await query<{ leaf_index: string }>(this.fork(), LEAF_SQL, [bundleHash]);
    return row ? Number(row.leaf_index) : null;
  }

  /**
   * Inclusion proof of a bundle hash in the tree of `treeSize` leaves. LOG_SIZE_BEYOND_TREE for a
   * size the log has not reached, LOG_HASH_UNKNOWN for a hash that is no leaf, LOG_NOT_COVERED for a
   * leaf appended after that size.
   */
  async inclusion(bundleHash: string, treeSize: number): Promise<{ leafIndex: number; proof: string[] }> {
    const em = this.fork();
    await this.checkSize(treeSize);
    const [row] = await query<{ leaf_index: string }>(em, LEAF_SQL, [bundleHash]);
    if (!row) throw new DomainError('LOG_HASH_UNKNOWN', `no bundle ${bundleHash} in this node's feed log`);
    const leafIndex = Number(row.leaf_index);
    if (leafIndex >= treeSize) throw new DomainError('LOG_NOT_COVERED', `bundle ${bundleHash.slice(0, 12)} is leaf ${leafIndex}, after the tree of ${treeSize}`);
    return { leafIndex, proof: await feedLogInclusion(em, leafIndex, treeSize) };
  }

  /** Consistency proof between two sizes (from ≤ to ≤ size); LOG_SIZE_BEYOND_TREE otherwise. */
  async consistency(fromSize: number, toSize: number): Promise<string[]> {
    if (fromSize > toSize) throw new DomainError('LOG_PROOF_REQUEST_MALFORMED', `fromSize ${fromSize} exceeds toSize ${toSize}`);
    await this.checkSize(toSize);
    return feedLogConsistency(this.fork(), fromSize, toSize);
  }

  /** The newest checkpoint, or null before the first. */
  async latestCheckpoint(): Promise<LogCheckpointRecord | null> {
    const [row] = await query<CheckpointRow>(this.fork(), `select ${CHECKPOINT_COLUMNS} from log_checkpoint order by tree_size desc limit 1`);
    return row ? toCheckpoint(row) : null;
  }

  /** The checkpoint this node signed at a size, or null. */
  async checkpointAt(treeSize: number): Promise<LogCheckpointRecord | null> {
    const [row] = await query<CheckpointRow>(this.fork(), `select ${CHECKPOINT_COLUMNS} from log_checkpoint where tree_size = ?`, [treeSize]);
    return row ? toCheckpoint(row) : null;
  }

  /** Stores a signed checkpoint (one per size: a second one at the same size returns the first). */
  async addCheckpoint(input: NewLogCheckpoint): Promise<LogCheckpointRecord> {
    return this.transaction(async (em) => {
      const [row] = await query<CheckpointRow>(em, INSERT_CHECKPOINT_SQL, [input.treeSize, input.rootHash, input.at, input.signer, JSON.stringify(input.signed)]);
      if (!row) {
        const [existing] = await query<CheckpointRow>(em, `select ${CHECKPOINT_COLUMNS} from log_checkpoint where tree_size = ?`, [input.treeSize]);
        return toCheckpoint(existing!);
      }
      await appendAudit(em, [{ actor: null, action: 'log.checkpoint', subjectType: 'log_checkpoint', subjectId: String(input.treeSize), details: { treeSize: input.treeSize, rootHash: input.rootHash, signer: input.signer } }]);
      return toCheckpoint(row);
    });
  }

  /** Checkpoints not yet acknowledged by this node's log stream, oldest first. */
  async unpublishedCheckpoints(limit = 20): Promise<LogCheckpointRecord[]> {
    checkLimit(limit);
    const rows = await query<CheckpointRow>(this.fork(), `select ${CHECKPOINT_COLUMNS} from log_checkpoint where published_at is null order by id limit ?`, [limit]);
    return rows.map(toCheckpoint);
  }

  /** Records the stream's ack of a checkpoint. */
  async markCheckpointPublished(id: string): Promise<void> {
    await query(this.fork(), `update log_checkpoint set published_at = coalesce(published_at, now()) where id = ?::bigint`, [id]);
  }

  /** Checkpoints, newest first (cursor paging), each with the countersignatures received for it. */
  async checkpoints(options: { limit: number; cursor?: string }): Promise<Page<LogCheckpointRecord & { witnesses: LogWitnessRecord[] }>> {
    checkLimit(options.limit);
    const after = options.cursor ? decodeCursor(options.cursor) : null;
    const em = this.fork();
    const rows = await query<CheckpointRow>(
      em,
      `select ${CHECKPOINT_COLUMNS} from log_checkpoint ${after ? 'where id < ?::bigint' : ''} order by id desc limit ?`,
      after ? [after, options.limit + 1] : [options.limit + 1],
    );
    const ids = rows.map((r) => r.id);
    const witnesses = await query<{ checkpoint_id: string; witness: string; signer: string; at: Date | string; received_at: Date | string; signed: unknown }>(em, WITNESSES_SQL, [JSON.stringify(ids)]);
    const byCheckpoint = new Map<string, LogWitnessRecord[]>();
    for (const w of witnesses) {
      const list = byCheckpoint.get(w.checkpoint_id) ?? [];
      list.push({ witness: w.witness, signer: w.signer, at: toIso(w.at), receivedAt: toIso(w.received_at), signed: w.signed });
      byCheckpoint.set(w.checkpoint_id, list);
    }
    return toPage(rows, options.limit, (r) => r.id, (r) => ({ ...toCheckpoint(r), witnesses: byCheckpoint.get(r.id) ?? [] }));
  }

  /** Stores a verified countersignature; a second one by the same witness for the same checkpoint is a duplicate (nothing written). */
  async addWitness(input: { checkpointId: string; witness: string; signer: string; at: string; signed: unknown }): Promise<{ duplicate: boolean }> {
    return this.transaction(async (em) => {
      const [row] = await query<{ id: string }>(em, INSERT_WITNESS_SQL, [input.checkpointId, input.witness, input.signer, input.at, JSON.stringify(input.signed)]);
      if (!row) return { duplicate: true };
      await appendAudit(em, [{ actor: null, action: 'log.witnessed', subjectType: 'log_checkpoint', subjectId: input.checkpointId, details: { witness: input.witness, signer: input.signer } }]);
      return { duplicate: false };
    });
  }

  private async checkSize(treeSize: number): Promise<void> {
    const size = await this.size();
    if (treeSize > size) throw new DomainError('LOG_SIZE_BEYOND_TREE', `tree size ${treeSize} is beyond this log's ${size} leaves`);
  }
}

function toCheckpoint(row: CheckpointRow): LogCheckpointRecord {
  return {
    id: row.id,
    treeSize: Number(row.tree_size),
    rootHash: row.root_hash,
    at: toIso(row.at),
    signer: row.signer,
    signed: row.signed,
    publishedAt: toIsoOrNull(row.published_at),
  };
}
