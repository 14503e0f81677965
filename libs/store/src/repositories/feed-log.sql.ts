import type { EntityManager } from '@mikro-orm/postgresql';
import { appendedNodes, consistencyRanges, EMPTY_TREE_ROOT, foldRange, hashLeafBytes, inclusionRanges, bundleLeaf, nodeKey, rangeNodes, type LeafRange, type PerfectNode } from '@palermo/bundles';
import { DomainError } from '@palermo/indicators';
import { query } from '../sql.helper';

// The publisher's feed log in SQL. Each perfect subtree is stored once, when its last leaf is
// appended, so an append touches O(log n) rows (the frontier it combines with, the nodes it
// completes) and a root or proof reads O(log² n) rows in one statement — never the whole log.

// Locks the head for the rest of the transaction: concurrent appends get consecutive leaf indices in commit order.
const ADVANCE_HEAD_SQL = `update feed_log_head set size = size + ?::bigint where id = 1 returning size::text as size`;
const INSERT_LEAVES_SQL = `
  insert into feed_log (leaf_index, bundle_hash)
  select x.leaf_index, x.bundle_hash from json_to_recordset(?::text::json) as x(leaf_index bigint, bundle_hash text)`;
const INSERT_NODES_SQL = `
  insert into feed_log_node (level, idx, hash)
  select x.level, x.idx, x.hash from json_to_recordset(?::text::json) as x(level smallint, idx bigint, hash text)`;
const READ_NODES_SQL = `
  select n.level, n.idx::text as idx, n.hash
  from feed_log_node n join json_to_recordset(?::text::json) as x(level smallint, idx bigint) on n.level = x.level and n.idx = x.idx`;

/**
 * Appends bundle hashes to this node's feed log inside the caller's transaction (the one that
 * stores the outbound bundles), in the order given.
 */
export async function appendFeedLog(em: EntityManager, bundleHashes: readonly string[]): Promise<void> {
  if (bundleHashes.length === 0) return;
  const leaves = bundleHashes.map((h) => hashLeafBytes(bundleLeaf(h)));
  const [head] = await query<{ size: string }>(em, ADVANCE_HEAD_SQL, [bundleHashes.length]);
  if (!head) throw new Error('feed_log_head has no row: the FeedLog migration has not run');
  const first = Number(head.size) - bundleHashes.length;
  const frontierNodes = first === 0 ? [] : rangeNodes({ lo: 0, hi: first });
  const frontier = await readNodes(em, frontierNodes);
  const made = appendedNodes(first, leaves, frontier);
  await query(em, INSERT_LEAVES_SQL, [JSON.stringify(bundleHashes.map((bundle_hash, i) => ({ leaf_index: first + i, bundle_hash })))]);
  await query(em, INSERT_NODES_SQL, [JSON.stringify(made.map((n) => ({ level: n.level, idx: n.index, hash: Buffer.from(n.hash).toString('hex') })))]);
}

/** The stored hashes of some perfect subtrees, keyed by nodeKey(); FEED_LOG_CORRUPT when one is missing. */
export async function readNodes(em: EntityManager, nodes: readonly PerfectNode[]): Promise<Map<string, Uint8Array>> {
  const found = new Map<string, Uint8Array>();
  if (nodes.length === 0) return found;
  const rows = await query<{ level: number; idx: string; hash: string }>(em, READ_NODES_SQL, [JSON.stringify(nodes.map((n) => ({ level: n.level, idx: n.index })))]);
  for (const row of rows) found.set(nodeKey({ level: Number(row.level), index: Number(row.idx) }), Uint8Array.from(Buffer.from(row.hash, 'hex')));
  for (const node of nodes) {
    if (!found.has(nodeKey(node))) throw new DomainError('FEED_LOG_CORRUPT', `the feed log has no subtree ${nodeKey(node)}`);
  }
  return found;
}

/** The hashes (lower-case hex) of the given ranges, read in one statement. */
export async function rangeHashes(em: EntityManager, ranges: readonly LeafRange[]): Promise<string[]> {
  const parts = ranges.map((r) => rangeNodes(r));
  const nodes = await readNodes(em, parts.flat());
  return parts.map((p) => Buffer.from(foldRange(p.map((n) => nodes.get(nodeKey(n))!))).toString('hex'));
}

/** RFC 9162 root of the first `size` leaves. */
export async function feedLogRoot(em: EntityManager, size: number): Promise<string> {
  if (size === 0) return EMPTY_TREE_ROOT;
  const [root] = await rangeHashes(em, [{ lo: 0, hi: size }]);
  return root!;
}

/** PATH(index, D[size]) from the stored subtrees. */
export function feedLogInclusion(em: EntityManager, index: number, size: number): Promise<string[]> {
  return rangeHashes(em, inclusionRanges(index, size));
}

/** PROOF(m, D[n]) from the stored subtrees. */
export function feedLogConsistency(em: EntityManager, m: number, n: number): Promise<string[]> {
  return rangeHashes(em, consistencyRanges(m, n));
}
