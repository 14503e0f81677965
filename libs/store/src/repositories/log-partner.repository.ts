import { createHash } from 'node:crypto';
import { checkLimit, query, toIso, toIsoOrNull } from '../sql.helper';
import { storableText } from '../storable.helper';
import { appendAudit } from './audit.repository';
import { Repository } from './repository.base';

/** What this node (as a witness) knows of one publisher's feed log. */
export interface LogPartnerState {
  publisher: string;
  /** `forked` once the publisher showed two histories or hid an imported bundle; it stays so. */
  state: 'ok' | 'forked';
  /** The newest checkpoint verified (signature and consistency). */
  treeSize: number;
  rootHash: string;
  signed: unknown;
  verifiedAt: string;
  forkedAt: string | null;
}

/** Evidence kept of a fork or a failed inclusion. */
export interface LogForkRecord {
  id: string;
  publisher: string;
  code: 'LOG_FORK' | 'LOG_INCLUSION_FAILED';
  reason: string;
  message: string;
  /** Both signed checkpoints (and the proof) for a fork; the checkpoint, bundle hash and answer for an inclusion failure. */
  evidence: unknown;
  detectedAt: string;
}

interface StateRow {
  publisher: string;
  state: 'ok' | 'forked';
  tree_size: string | number;
  root_hash: string;
  signed: unknown;
  verified_at: Date | string;
  forked_at: Date | string | null;
}

// Never backwards: an older checkpoint verified late (consistent with the newer one) leaves the state alone.
const VERIFIED_SQL = `
  insert into log_partner (publisher, state, tree_size, root_hash, signed, verified_at) values (?, 'ok', ?, ?, ?::jsonb, now())
  on conflict (publisher) do update set tree_size = excluded.tree_size, root_hash = excluded.root_hash, signed = excluded.signed, verified_at = now()
  where log_partner.tree_size <= excluded.tree_size`;
const PENDING_SQL = `
  select b.hash, b.pos::text as pos, b.bundle_created_at as created_at from bundle b
  where b.direction = 'in' and b.publisher = ? and b.pos > ?::bigint
    and not exists (select 1 from log_inclusion i where i.bundle_hash = b.hash)
  order by b.pos limit ?`;
const INCLUSIONS_SQL = `
  insert into log_inclusion (bundle_hash, publisher, leaf_index, tree_size)
  select x.bundle_hash, ?, x.leaf_index, x.tree_size from json_to_recordset(?::text::json) as x(bundle_hash text, leaf_index bigint, tree_size bigint)
  on conflict (bundle_hash) do nothing`;
const COUNTS_SQL = `
  select (select count(*) from log_inclusion where publisher = ?)::int as verified,
    (select count(*) from bundle b where b.direction = 'in' and b.publisher = ?
       and not exists (select 1 from log_inclusion i where i.bundle_hash = b.hash))::int as pending`;
const FORK_SQL = `
  insert into log_fork (publisher, code, reason, message, evidence, evidence_sha256) values (?, ?, ?, ?, ?::jsonb, ?)
  on conflict (publisher, evidence_sha256) do nothing
  returning id::text as id`;

/**
 * This node as a witness of its partners' feed logs: the newest checkpoint verified per publisher,
 * which imported bundles were proven included, and the evidence of forks.
 */
export class LogPartnerRepository extends Repository {
  /** The state of one publisher's log, or null before its first verified checkpoint. */
  async state(publisher: string): Promise<LogPartnerState | null> {
    const [row] = await query<StateRow>(this.fork(), `select * from log_partner where publisher = ?`, [publisher]);
    return row ? toState(row) : null;
  }

  /** Records a verified checkpoint as the newest (ignored when an equal or larger one is already recorded). */
  async recordVerified(publisher: string, checkpoint: { treeSize: number; rootHash: string; signed: unknown }): Promise<void> {
    await query(this.fork(), VERIFIED_SQL, [publisher, checkpoint.treeSize, checkpoint.rootHash, JSON.stringify(checkpoint.signed)]);
  }

  /**
   * Bundles imported from `publisher` not yet proven included in its log, in import order (keyset
   * paging by `pos`), with the creation time the publisher signed into each.
   */
  async pendingInclusions(publisher: string, limit: number, afterPos = '0'): Promise<{ hash: string; pos: string; createdAt: string }[]> {
    checkLimit(limit);
    const rows = await query<{ hash: string; pos: string; created_at: Date | string }>(this.fork(), PENDING_SQL, [publisher, afterPos, limit]);
    return rows.map((r) => ({ hash: r.hash, pos: r.pos, createdAt: toIso(r.created_at) }));
  }

  /** Marks imported bundles as log-verified (idempotent). */
  async recordInclusions(publisher: string, rows: readonly { bundleHash: string; leafIndex: number; treeSize: number }[]): Promise<void> {
    if (rows.length === 0) return;
    await query(this.fork(), INCLUSIONS_SQL, [publisher, JSON.stringify(rows.map((r) => ({ bundle_hash: r.bundleHash, leaf_index: r.leafIndex, tree_size: r.treeSize })))]);
  }

  /** How many imported bundles of `publisher` are log-verified, and how many wait for a checkpoint. */
  async inclusionCounts(publisher: string): Promise<{ verified: number; pending: number }> {
    const [row] = await query<{ verified: number; pending: number }>(this.fork(), COUNTS_SQL, [publisher, publisher]);
    return { verified: Number(row?.verified ?? 0), pending: Number(row?.pending ?? 0) };
  }

  /**
   * Stores fork evidence, marks the publisher forked and audits it (`log.fork` or
   * `log.inclusion_failed`), in one transaction. The same evidence again is a duplicate (nothing written).
   */
  async recordFork(input: { publisher: string; code: LogForkRecord['code']; reason: string; message: string; evidence: unknown }): Promise<{ id: string | null; duplicate: boolean }> {
    const evidence = JSON.stringify(input.evidence);
    const sha = createHash('sha256').update(evidence).digest('hex');
    return this.transaction(async (em) => {
      const message = storableText(input.message, 4096);
      const [row] = await query<{ id: string }>(em, FORK_SQL, [input.publisher, input.code, storableText(input.reason, 64), message, evidence, sha]);
      if (!row) return { id: null, duplicate: true };
      await query(em, `update log_partner set state = 'forked', forked_at = coalesce(forked_at, now()) where publisher = ?`, [input.publisher]);
      const action = input.code === 'LOG_FORK' ? 'log.fork' : 'log.inclusion_failed';
      await appendAudit(em, [{ actor: null, action, subjectType: 'partner', subjectId: input.publisher, details: { forkId: row.id, code: input.code, reason: input.reason, message } }]);
      return { id: row.id, duplicate: false };
    });
  }

  /** Fork evidence about one publisher, newest first. */
  async forks(publisher: string, limit = 20): Promise<LogForkRecord[]> {
    checkLimit(limit);
    const rows = await query<{ id: string; publisher: string; code: LogForkRecord['code']; reason: string; message: string; evidence: unknown; detected_at: Date | string }>(
      this.fork(),
      `select id::text as id, publisher, code, reason, message, evidence, detected_at from log_fork where publisher = ? order by id desc limit ?`,
      [publisher, limit],
    );
    return rows.map((r) => ({ id: r.id, publisher: r.publisher, code: r.code, reason: r.reason, message: r.message, evidence: r.evidence, detectedAt: toIso(r.detected_at) }));
  }
}

function toState(row: StateRow): LogPartnerState {
  return {
    publisher: row.publisher,
    state: row.state,
    treeSize: Number(row.tree_size),
    rootHash: row.root_hash,
    signed: row.signed,
    verifiedAt: toIso(row.verified_at),
    forkedAt: toIsoOrNull(row.forked_at),
  };
}
