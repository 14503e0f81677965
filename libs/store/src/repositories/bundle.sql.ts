import type { EntityManager } from '@mikro-orm/postgresql';
import type { Bundle } from '@palermo/bundles';
import { DomainError } from '@palermo/indicators';
import type { BundleEntity } from '../entities/bundle.entity';
import { bytesParam, isUniqueViolation, query, toBytes } from '../sql.helper';
import type { BundleRecord, BundleSummary } from '../store.types';

const INSERT_BUNDLE_SQL = `
  insert into bundle (hash, direction, publisher, audience, seq, prev, bundle_id, bundle_created_at, received_at,
    stream_seq, bytes, signature, signer, entry_count, upsert_count, revoke_count,
    accepted_count, pseudonymized_count, rejected_count, expires_at, encrypted_to)
  values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  on conflict (hash) do nothing
  returning hash`;

/** The row of one bundle, before it is stored. */
export interface NewBundleRow {
  direction: 'in' | 'out';
  bundle: Bundle;
  hash: string;
  bytes: Uint8Array | null;
  signature: Uint8Array;
  signer: string;
  receivedAt: string | null;
  streamSeq: number | null;
  counts: { accepted: number; pseudonymized: number; rejected: number };
  /** Inbound bundles: when retention drops the bytes (null = no limit). */
  expiresAt?: string | null;
  /** Fingerprint it travels encrypted to (see BundleSummary.encryptedTo); null = in clear. */
  encryptedTo?: string | null;
}

/** Inserts a bundle row; false when a bundle with that hash is already stored (idempotency). */
export async function insertBundleRow(em: EntityManager, row: NewBundleRow): Promise<boolean> {
  const { bundle } = row;
  const upserts = bundle.entries.filter((e) => e.op === 'upsert').length;
  const inserted = await query<{ hash: string }>(em, INSERT_BUNDLE_SQL, [
    row.hash,
    row.direction,
    bundle.publisher,
    bundle.audience,
    bundle.seq,
    bundle.prev,
    bundle.id,
    bundle.createdAt,
    row.receivedAt,
    row.streamSeq,
    row.bytes === null ? null : bytesParam(row.bytes),
    bytesParam(row.signature),
    row.signer,
    bundle.entries.length,
    upserts,
    bundle.entries.length - upserts,
    row.counts.accepted,
    row.counts.pseudonymized,
    row.counts.rejected,
    row.expiresAt ?? null,
    row.encryptedTo ?? null,
  ]);
  return inserted.length > 0;
}

/**
 * Runs a bundle-storing transaction and sorts out unique violations afterwards (PostgreSQL aborts
 * the transaction, so this cannot happen inside it): when every hash is stored by now, a parallel
 * twin won and this is a duplicate; a (publisher, audience, seq) clash is a forked chain.
 */
export async function withChainConflicts<T>(
  hashes: readonly string[],
  exists: (hash: string) => Promise<boolean>,
  duplicate: T,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const stored = await Promise.all(hashes.map(exists));
    if (hashes.length > 0 && stored.every(Boolean)) return duplicate;
    if (isUniqueViolation(error, 'bundle_chain_seq_unique')) {
      // The driver's detail names the clashing key: "Key (publisher, audience, seq)=(a, b, 3) already exists."
      const detail = (error as { detail?: string }).detail ?? 'a chain position is taken';
      throw new DomainError('CHAIN_SEQ_CONFLICT', `another bundle already holds this chain position: ${detail}`, { hashes });
    }
    throw error;
  }
}

/** A bundle entity as its summary (no bytes). */
export function toBundleSummary(row: BundleEntity): BundleSummary {
  return {
    hash: row.hash,
    direction: row.direction,
    publisher: row.publisher,
    audience: row.audience,
    seq: row.seq,
    prev: row.prev,
    bundleId: row.bundleId,
    createdAt: row.bundleCreatedAt.toISOString(),
    storedAt: row.storedAt.toISOString(),
    receivedAt: row.receivedAt ? row.receivedAt.toISOString() : null,
    publishedAt: row.publishedAt ? row.publishedAt.toISOString() : null,
    streamSeq: row.streamSeq,
    signer: row.signer,
    entryCount: row.entryCount,
    upsertCount: row.upsertCount,
    revokeCount: row.revokeCount,
    acceptedCount: row.acceptedCount,
    pseudonymizedCount: row.pseudonymizedCount,
    rejectedCount: row.rejectedCount,
    expiresAt: row.expiresAt ? row.expiresAt.toISOString() : null,
    encryptedTo: row.encryptedTo ?? null,
  };
}

/** A bundle entity loaded with its lazy bytes and signature, as the full record. */
export function toBundleRecord(row: BundleEntity): BundleRecord {
  return { ...toBundleSummary(row), bytes: row.bytes === null ? null : toBytes(row.bytes), signature: toBytes(row.signature) };
}

// Bundles never handed to NATS never reached anyone: dropping them (and their decisions) frees their
// chain positions, so the chain continues from the last one that may have gone out, without a gap.
const DROP_NEVER_SENT_SQL = `
  with gone as (
    delete from bundle where direction = 'out' and published_at is null and publish_attempted_at is null and audience = ?
    returning hash
  ), decisions as (
    delete from export_decision where bundle_hash in (select hash from gone) returning 1
  )
  select (select count(*) from gone)::int as bundles`;

/** Drops an audience's outbound bundles that were never handed to NATS (in the caller's transaction); how many. */
export async function dropNeverSent(em: EntityManager, audience: string): Promise<number> {
  const [row] = await query<{ bundles: number }>(em, DROP_NEVER_SENT_SQL, [audience]);
  return row?.bundles ?? 0;
}

