import type { FilterQuery } from '@mikro-orm/core';
import { decodeCursor, toPage } from '../cursor.helper';
import { BundleEntity } from '../entities/bundle.entity';
import { checkLimit, query } from '../sql.helper';
import type { BundleRecord, BundleSummary, OutboundBatch, OutboundBundle, Page, SignedBundle } from '../store.types';
import { insertBundleRow, toBundleRecord, toBundleSummary, withChainConflicts } from './bundle.sql';
import { Repository } from './repository.base';

// Exports only ever raise exported_version: a late, older bundle must not re-queue a newer version.
// Only pending rows can change, and saying so lets PostgreSQL read them from the partial index
// indicator_pending_export instead of scanning every indicator (no index leads with origin_id).
const MARK_EXPORTED_SQL = `
  update indicator set exported_version = greatest(indicator.exported_version, x.version)
  from json_to_recordset(?::text::json) as x(id text, version integer)
  where indicator.own and indicator.exported_version < indicator.version and indicator.origin_id = x.id`;

/** Stored bundles of both directions: chain heads, the outbound queue, listing. */
export class BundleRepository extends Repository {
  /** The last stored bundle of a chain (either direction), or null before its first bundle. */
  async chainHead(publisher: string, audience: string): Promise<{ seq: number; hash: string } | null> {
    const row = await this.fork().findOne(
      BundleEntity,
      { publisher, audience },
      { orderBy: { seq: 'desc' }, fields: ['hash', 'seq'] },
    );
    return row ? { seq: row.seq, hash: row.hash } : null;
  }

  /**
   * Stores signed outbound bundles — one, or a batch (e.g. one per audience; possibly empty when
   * the policy withheld everything) — and marks the own indicator versions they carry as exported,
   * in ONE transaction. A hash already stored is skipped; 'duplicate' means every bundle was
   * already stored (nothing marked). Another bundle at a taken chain seq is CHAIN_SEQ_CONFLICT and
   * nothing is stored.
   */
  async saveOutbound(input: OutboundBundle | OutboundBatch): Promise<'saved' | 'duplicate'> {
    const bundles: SignedBundle[] = 'bundles' in input ? input.bundles : [input];
    const hashes = bundles.map((b) => b.hash);
    return withChainConflicts(hashes, (h) => this.exists(h), 'duplicate' as const, () =>
      this.transaction(async (em) => {
        let saved = 0;
        for (const signed of bundles) {
          const row = { ...signed, direction: 'out' as const, receivedAt: null, streamSeq: null };
          if (await insertBundleRow(em, { ...row, counts: { accepted: 0, pseudonymized: 0, rejected: 0 } })) saved++;
        }
        // An empty batch still marks: the policy may have withheld every pending change.
        if (saved === 0 && bundles.length > 0) return 'duplicate' as const;
        if (input.exported.length > 0) await query(em, MARK_EXPORTED_SQL, [JSON.stringify(input.exported)]);
        return 'saved' as const;
      }),
    );
  }

  /** Outbound bundles not yet acknowledged by JetStream, in the order they were made (chain order). */
  async unpublishedOutbound(limit = 100): Promise<(BundleRecord & { bytes: Uint8Array })[]> {
    checkLimit(limit);
    const rows = await this.fork().find(
      BundleEntity,
      { direction: 'out', publishedAt: null },
      { orderBy: { pos: 'asc' }, limit, populate: ['bytes', 'signature'] },
    );
    // Outbound bundles always keep their bytes: they are what this node signed and must re-publish.
    return rows.map(toBundleRecord) as (BundleRecord & { bytes: Uint8Array })[];
  }

  /** Records JetStream's ack of an outbound bundle; false when no such outbound bundle exists. */
  async markPublished(hash: string, streamSeq: number): Promise<boolean> {
    const count = await this.fork().nativeUpdate(
      BundleEntity,
      { hash, direction: 'out' },
      { publishedAt: new Date(), streamSeq },
    );
    return count > 0;
  }

  /**
   * Bundles newest first, keyset-paginated. `partner` matches the publisher of inbound and the
   * audience of outbound bundles.
   */
  async list(filter: {
    direction?: 'in' | 'out';
    partner?: string;
    cursor?: string;
    limit: number;
  }): Promise<Page<BundleSummary>> {
    const limit = checkLimit(filter.limit);
    const where: FilterQuery<BundleEntity> = {};
    if (filter.direction !== undefined) where.direction = filter.direction;
    if (filter.partner !== undefined) {
      const inbound = { direction: 'in' as const, publisher: filter.partner };
      const outbound = { direction: 'out' as const, audience: filter.partner };
      if (filter.direction === 'in') Object.assign(where, inbound);
      else if (filter.direction === 'out') Object.assign(where, outbound);
      else where.$or = [inbound, outbound];
    }
    if (filter.cursor !== undefined) where.pos = { $lt: decodeCursor(filter.cursor) };
    const rows = await this.fork().find(BundleEntity, where, { orderBy: { pos: 'desc' }, limit: limit + 1 });
    return toPage(rows, limit, (row) => row.pos, toBundleSummary);
  }

  /** One bundle with its bytes and signature, or null. */
  async get(hash: string): Promise<BundleRecord | null> {
    const row = await this.fork().findOne(BundleEntity, { hash }, { populate: ['bytes', 'signature'] });
    return row ? toBundleRecord(row) : null;
  }

  /** True when a bundle with this hash is stored (either direction). */
  async exists(hash: string): Promise<boolean> {
    return (await this.fork().count(BundleEntity, { hash })) > 0;
  }
}
