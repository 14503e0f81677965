import type { EntityManager } from '@mikro-orm/postgresql';
import { bytesParam, checkLimit, query, toBytes, toIso, toNumberOrNull } from '../sql.helper';
import { storableText } from '../storable.helper';
import type { AuditEventInput } from '../governance.types';
import type { ChainDeliveryCounts, ChainReceiptStatus, IncomingReceipt, OutgoingReceipt, PendingReceipt, ReceiptRecord } from '../store.types';
import { appendAudit } from './audit.repository';
import { Repository } from './repository.base';

const INSERT_OUTBOX_SQL = `
  insert into receipt_outbox (publisher, bundle_hash, outcome, receipt_hash, bytes, signature)
  values (?, ?, ?, ?, ?, ?)
  on conflict do nothing
  returning id::text as id`;

const PENDING_SQL = `
  select id::text as id, publisher, bundle_hash, receipt_hash, bytes, signature, attempts
  from receipt_outbox where published_at is null and id > ?::bigint order by id limit ?`;

const INSERT_RECEIVED_SQL = `
  insert into receipt (recipient, bundle_hash, audience, seq, outcome, accepted, pseudonymized, rejected,
    quarantine_reason, received_at, receipt_hash, bytes, signature, signer)
  values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::timestamptz, ?, ?, ?, ?)
  on conflict (receipt_hash) do nothing
  returning id::text as id`;

// Not only published ones: a fast partner's receipt may overtake the exporter marking its bundle published.
const SENT_BUNDLE_SQL = `select audience, seq from bundle where hash = ? and direction = 'out'`;

const FOR_BUNDLE_SQL = `
  select recipient, outcome, accepted, pseudonymized, rejected, quarantine_reason, received_at, stored_at, receipt_hash, signer
  from receipt where bundle_hash = ? order by recipient, received_at, id`;

// The latest receipt per bundle from this partner counts (a bundle first quarantined, then imported
// after a resync, shows as imported); several receipts for one bundle count it once.
const LATEST_FROM = `
  latest as (
    select distinct on (bundle_hash) bundle_hash, outcome, accepted, pseudonymized, rejected, quarantine_reason, received_at
    from receipt where recipient = ? order by bundle_hash, received_at desc, id desc),
  sent as (
    select hash, audience, seq from bundle
    where direction = 'out' and published_at is not null and audience in (?, 'all'))`;

const STATUS_SQL = `
  with ${LATEST_FROM}
  select s.audience, count(*)::int as sent, max(s.seq) as last_seq_sent,
    count(l.bundle_hash)::int as receipted, max(case when l.bundle_hash is not null then s.seq end) as last_seq_receipted,
    (count(*) filter (where l.outcome = 'imported'))::int as imported,
    (count(*) filter (where l.outcome = 'quarantined'))::int as quarantined,
    coalesce(sum(l.accepted), 0)::int as accepted, coalesce(sum(l.pseudonymized), 0)::int as pseudonymized,
    coalesce(sum(l.rejected), 0)::int as rejected
  from sent s left join latest l on l.bundle_hash = s.hash
  group by s.audience order by s.audience`;

const QUARANTINED_SQL = `
  with ${LATEST_FROM}
  select s.audience, s.seq, s.hash, l.quarantine_reason, l.received_at
  from sent s join latest l on l.bundle_hash = s.hash
  where l.outcome = 'quarantined' order by s.audience, s.seq limit ?`;

// "Delivered" (issue 4 item 4): the published bundles of one own chain at or below a recipient's
// consumer positions (stream seqs read from JetStream by the node).
const DELIVERY_SQL = `
  select (count(*) filter (where stream_seq <= ?))::int as delivered, max(seq) filter (where stream_seq <= ?) as last_seq_delivered,
    (count(*) filter (where stream_seq <= ?))::int as acked, max(seq) filter (where stream_seq <= ?) as last_seq_acked
  from bundle where direction = 'out' and audience = ? and published_at is not null and stream_seq is not null`;

interface StatusRow {
  audience: string;
  sent: number;
  last_seq_sent: number | string | null;
  receipted: number;
  last_seq_receipted: number | string | null;
  imported: number;
  quarantined: number;
  accepted: number;
  pseudonymized: number;
  rejected: number;
}

const MAX_QUARANTINED_LISTED = 200;

/**
 * Writes an issued receipt into the outbox inside the caller's import or quarantine transaction.
 * Returns the audit entry the caller appends with its own (appendAudit comes last in a transaction),
 * or null when this bundle already has a receipt with that outcome (a redelivery issues none).
 */
export async function insertOutgoingReceipt(em: EntityManager, receipt: OutgoingReceipt): Promise<AuditEventInput | null> {
  const rows = await query<{ id: string }>(em, INSERT_OUTBOX_SQL, [
    receipt.publisher,
    receipt.bundleHash,
    receipt.outcome,
    receipt.receiptHash,
    bytesParam(receipt.bytes),
    bytesParam(receipt.signature),
  ]);
  if (!rows[0]) return null;
  const { publisher, bundleHash, seq, audience, outcome, quarantineReason } = receipt;
  const details = { publisher, bundleHash, seq, audience, outcome, quarantineReason: quarantineReason ?? null };
  return { actor: null, action: 'receipt.issued', subjectType: 'receipt', subjectId: receipt.receiptHash, details };
}

/** Receipts: the outbox of those this node issues, and those it received about its own bundles. */
export class ReceiptRepository extends Repository {
  /** Outbox rows not yet acknowledged by their publisher's receipts stream, oldest first. */
  async pending(limit: number, afterId = '0'): Promise<PendingReceipt[]> {
    const rows = await query<{ id: string; publisher: string; bundle_hash: string; receipt_hash: string; bytes: Uint8Array; signature: Uint8Array; attempts: number }>(
      this.fork(),
      PENDING_SQL,
      [afterId, checkLimit(limit)],
    );
    return rows.map((r) => ({ id: r.id, publisher: r.publisher, bundleHash: r.bundle_hash, receiptHash: r.receipt_hash, bytes: toBytes(r.bytes), signature: toBytes(r.signature), attempts: r.attempts }));
  }

  /** Marks an outbox row published (JetStream acknowledged it). */
  async markPublished(id: string): Promise<void> {
    await query(this.fork(), `update receipt_outbox set published_at = now(), attempts = attempts + 1, last_error = null where id = ?::bigint`, [id]);
  }

  /** Records a failed attempt; the row stays pending. */
  async markFailed(id: string, error: string): Promise<void> {
    await query(this.fork(), `update receipt_outbox set attempts = attempts + 1, last_error = ? where id = ?::bigint`, [storableText(error, 1024), id]);
  }

  /** How many receipts wait in the outbox (for health). */
  async pendingCount(): Promise<number> {
    const rows = await query<{ n: number | string }>(this.fork(), `select count(*) as n from receipt_outbox where published_at is null`);
    return Number(rows[0]?.n ?? 0);
  }

  /** The chain position of a bundle this node published, or null when it never published that hash. */
  async sentBundle(hash: string): Promise<{ audience: string; seq: number } | null> {
    const rows = await query<{ audience: string; seq: number | string }>(this.fork(), SENT_BUNDLE_SQL, [hash]);
    return rows[0] ? { audience: rows[0].audience, seq: Number(rows[0].seq) } : null;
  }

  /** Stores a verified receipt with its audit entry in one transaction; a receipt already stored (same hash) is a duplicate and writes nothing. */
  async recordReceived(receipt: IncomingReceipt): Promise<{ duplicate: boolean }> {
    return this.transaction(async (em) => {
      const rows = await query<{ id: string }>(em, INSERT_RECEIVED_SQL, [
        receipt.recipient,
        receipt.bundleHash,
        receipt.audience,
        receipt.seq,
        receipt.outcome,
        receipt.counts.accepted,
        receipt.counts.pseudonymized,
        receipt.counts.rejected,
        receipt.quarantineReason,
        receipt.receivedAt,
        receipt.receiptHash,
        bytesParam(receipt.bytes),
        bytesParam(receipt.signature),
        receipt.signer,
      ]);
      if (!rows[0]) return { duplicate: true };
      const { recipient, bundleHash, seq, audience, outcome, counts, quarantineReason } = receipt;
      await appendAudit(em, [
        { actor: null, action: 'receipt.received', subjectType: 'receipt', subjectId: receipt.receiptHash, details: { recipient, bundleHash, seq, audience, outcome, ...counts, quarantineReason } },
      ]);
      return { duplicate: false };
    });
  }

  /** Every receipt received about one bundle, per recipient, oldest first. */
  async forBundle(hash: string): Promise<ReceiptRecord[]> {
    const rows = await query<{
      recipient: string;
      outcome: 'imported' | 'quarantined';
      accepted: number;
      pseudonymized: number;
      rejected: number;
      quarantine_reason: string | null;
      received_at: Date | string;
      stored_at: Date | string;
      receipt_hash: string;
      signer: string;
    }>(this.fork(), FOR_BUNDLE_SQL, [hash]);
    return rows.map((r) => ({
      recipient: r.recipient,
      outcome: r.outcome,
      counts: { accepted: r.accepted, pseudonymized: r.pseudonymized, rejected: r.rejected },
      quarantineReason: r.quarantine_reason,
      receivedAt: toIso(r.received_at),
      storedAt: toIso(r.stored_at),
      receiptHash: r.receipt_hash,
      signer: r.signer,
    }));
  }

  /** Per chain sent to `partner` (its own and `all`): what was sent and what its receipts say. */
  async partnerStatus(partner: string): Promise<ChainReceiptStatus[]> {
    const em = this.fork();
    const rows = await query<StatusRow>(em, STATUS_SQL, [partner, partner]);
    const quarantined = await query<{ audience: string; seq: number | string; hash: string; quarantine_reason: string | null; received_at: Date | string }>(em, QUARANTINED_SQL, [
      partner,
      partner,
      MAX_QUARANTINED_LISTED,
    ]);
    const chains = [partner, 'all'].map((audience) => rows.find((r) => r.audience === audience) ?? emptyRow(audience));
    return chains.map((r) => ({
      audience: r.audience,
      sent: Number(r.sent),
      lastSeqSent: toNumberOrNull(r.last_seq_sent),
      receipted: Number(r.receipted),
      lastSeqReceipted: toNumberOrNull(r.last_seq_receipted),
      imported: Number(r.imported),
      quarantined: Number(r.quarantined),
      outstanding: Number(r.sent) - Number(r.receipted),
      counts: { accepted: Number(r.accepted), pseudonymized: Number(r.pseudonymized), rejected: Number(r.rejected) },
      quarantinedBundles: quarantined
        .filter((q) => q.audience === r.audience)
        .map((q) => ({ bundleHash: q.hash, seq: Number(q.seq), reason: q.quarantine_reason, receivedAt: toIso(q.received_at) })),
    }));
  }

  /**
   * How many published bundles of this node's chain `audience` lie at or below a recipient's consumer
   * positions: delivered (stream seq ≤ `deliveredStreamSeq`) and acked (≤ `ackFloorStreamSeq`), with the
   * highest chain seq of each.
   */
  async deliveryCounts(audience: string, deliveredStreamSeq: number, ackFloorStreamSeq: number): Promise<ChainDeliveryCounts> {
    const rows = await query<{ delivered: number; last_seq_delivered: number | string | null; acked: number; last_seq_acked: number | string | null }>(
      this.fork(),
      DELIVERY_SQL,
      [deliveredStreamSeq, deliveredStreamSeq, ackFloorStreamSeq, ackFloorStreamSeq, audience],
    );
    const r = rows[0];
    return {
      delivered: Number(r?.delivered ?? 0),
      lastSeqDelivered: toNumberOrNull(r?.last_seq_delivered),
      acked: Number(r?.acked ?? 0),
      lastSeqAcked: toNumberOrNull(r?.last_seq_acked),
    };
  }
}

function emptyRow(audience: string): StatusRow {
  return { audience, sent: 0, last_seq_sent: null, receipted: 0, last_seq_receipted: null, imported: 0, quarantined: 0, accepted: 0, pseudonymized: 0, rejected: 0 };
}
