import type { FilterQuery } from '@mikro-orm/core';
import { decodeCursor, toPage } from '../cursor.helper';
import { BundleEntity } from '../entities/bundle.entity';
import { checkLimit, isUuid, query } from '../sql.helper';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from '@palermo/indicators';
import { hasUnstorableText } from '../storable.helper';
import type {
  BundleRecord,
  BundleSummary,
  ExportDecisionInput,
  OutboundBatch,
  OutboundBundle,
  Page,
  SignedBundle,
} from '../store.types';
import { inForceFor } from './agreement.sql';
import { appendAudit } from './audit.repository';
import { dropNeverSent, insertBundleRow, toBundleRecord, toBundleSummary, withChainConflicts } from './bundle.sql';
import { insertExportDecisions } from './export-decision.repository';
import { appendFeedLog } from './feed-log.sql';
import { Repository } from './repository.base';

// Exports only ever raise exported_version: a late, older bundle must not re-queue a newer version.
// Only pending rows can change, and saying so lets PostgreSQL read them from the partial index
// indicator_pending_export instead of scanning every indicator (no index leads with origin_id).
const MARK_EXPORTED_SQL = `
  update indicator set exported_version = greatest(indicator.exported_version, x.version)
  from json_to_recordset(?::text::json) as x(id text, version integer)
  where indicator.own and indicator.exported_version < indicator.version and indicator.origin_id = x.id`;

// Only ever raised, like exported_version: a newer version or a revocation that arrived after the
// exporter read the row keeps it pending.
const MARK_RELAYED_SQL = `
  update indicator set relay_version = greatest(indicator.relay_version, x.version),
    relay_revoked = indicator.relay_revoked or (x.revoked and indicator.revoked_at is not null)
  from json_to_recordset(?::text::json) as x(origin_node text, id text, version integer, revoked boolean)
  where not indicator.own and indicator.origin_node = x.origin_node and indicator.origin_id = x.id`;

// A partner's chain takes bundles only while an agreement that includes export is in force. FOR SHARE makes a
// concurrent transition (FOR UPDATE) wait for this commit, and this check wait for a suspension:
// a bundle either was stored before the suspension (cancelUnpublished takes it back) or is refused.
const IN_FORCE_SQL = `
  select id::text as id, partner from agreement
  where partner in (select json_array_elements_text(?::text::json)) and ${inForceFor('export')}
  for share`;

const ADVANCE_BACKFILL_SQL = `
  update agreement set backfill_pk = ?::bigint, backfilled_at = case when ?::boolean then now() else null end
  where id = ?::uuid
  returning id`;
// Compare-and-set: a page cut from a cursor that a resume or a policy change restarted meanwhile must
// not overwrite the restart (what changed in between would never reach the partner).
const ADVANCE_BACKFILL_FROM_SQL = `
  update agreement set backfill_pk = ?::bigint, backfilled_at = case when ?::boolean then now() else null end
  where id = ?::uuid and backfill_pk is not distinct from ?::bigint and backfilled_at is null
  returning id`;

// One statement on the publish path: the first attempt's time is kept, later attempts only confirm the row exists.
const MARK_ATTEMPTED_SQL = `
  update bundle set publish_attempted_at = coalesce(publish_attempted_at, now())
  where hash = ? and direction = 'out'
  returning 1`;

const COMMUNITY_AUDIENCE = 'all';
const PK_PATTERN = /^[0-9]{1,19}$/;

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
   * the policy withheld everything) — with their export decisions, marks the own indicator
   * versions they carry as exported and advances a backfill cursor, in ONE transaction. A hash
   * already stored is skipped (and so are its decisions); 'duplicate' means every bundle was
   * already stored (nothing written). Another bundle at a taken chain seq is CHAIN_SEQ_CONFLICT; a
   * bundle for a partner without an agreement in force (active, within its validity window) is
   * AGREEMENT_NOT_ACTIVE; nothing is stored then.
   */
  async saveOutbound(input: OutboundBundle | OutboundBatch): Promise<'saved' | 'duplicate'> {
    const hashes = ('bundles' in input ? input.bundles : [input]).map((b) => b.hash);
    return withChainConflicts(hashes, (h) => this.exists(h), 'duplicate' as const, () => this.transaction((em) => writeOutbound(em, input)));
  }

  /**
   * Deletes the never-published outbound bundles of one audience (and their export decisions),
   * e.g. when its agreement is suspended or terminated; returns how many bundles. Published
   * bundles and other audiences are untouched. The caller must not publish concurrently.
   */
  async cancelUnpublished(audience: string): Promise<number> {
    if (hasUnstorableText(audience)) return 0;
    return dropNeverSent(this.fork(), audience);
  }

  /**
   * Outbound bundles not yet acknowledged by JetStream, in the order they were made (chain order);
   * only those of `audiences` when given (e.g. the community and partners whose agreement is in force).
   */
  async unpublishedOutbound(limit = 100, audiences?: readonly string[]): Promise<(BundleRecord & { bytes: Uint8Array })[]> {
    checkLimit(limit);
    if (audiences !== undefined && audiences.length === 0) return [];
    const where: FilterQuery<BundleEntity> = { direction: 'out', publishedAt: null };
    if (audiences !== undefined) where.audience = { $in: [...audiences] };
    const rows = await this.fork().find(
      BundleEntity,
      where,
      { orderBy: { pos: 'asc' }, limit, populate: ['bytes', 'signature'] },
    );
    // Outbound bundles always keep their bytes: they are what this node signed and must re-publish.
    return rows.map(toBundleRecord) as (BundleRecord & { bytes: Uint8Array })[];
  }

  /**
   * Records that an outbound bundle is about to be handed to NATS (first attempt only): from then
   * on it may have reached its audience, so an ended agreement no longer cancels it. False when no
   * such outbound bundle exists (it was cancelled: do not publish it).
   */
  async markAttempted(hash: string): Promise<boolean> {
    const rows = await query(this.fork(), MARK_ATTEMPTED_SQL, [hash]);
    return rows.length > 0;
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

  /**
   * What a resync may send of one of this node's own chains: its bundles handed to JetStream
   * (published) from `fromSeq` to `toSeq` (or the end), in seq order, with bytes; and the chain's
   * last published seq (null: nothing published on it).
   */
  async publishedRange(
    publisher: string,
    audience: string,
    range: { fromSeq: number; toSeq?: number; limit: number },
  ): Promise<{ headSeq: number | null; bundles: (BundleRecord & { bytes: Uint8Array })[] }> {
    checkLimit(range.limit);
    if (hasUnstorableText(publisher) || hasUnstorableText(audience)) return { headSeq: null, bundles: [] };
    const em = this.fork();
    const chain = { direction: 'out' as const, publisher, audience, publishedAt: { $ne: null } };
    const head = await em.findOne(BundleEntity, chain, { orderBy: { seq: 'desc' }, fields: ['seq'] });
    const seq = range.toSeq === undefined ? { $gte: range.fromSeq } : { $gte: range.fromSeq, $lte: range.toSeq };
    const rows = await em.find(BundleEntity, { ...chain, seq }, { orderBy: { seq: 'asc' }, limit: range.limit, populate: ['bytes', 'signature'] });
    return { headSeq: head ? head.seq : null, bundles: rows.map(toBundleRecord) as (BundleRecord & { bytes: Uint8Array })[] };
  }
}

/** One audit entry per stored outbound bundle (its chain position and counts; never values). */
function exportAudit({ bundle, hash, signer, encryptedTo }: SignedBundle, decisions: readonly ExportDecisionInput[]) {
  const upserts = bundle.entries.filter((e) => e.op === 'upsert').length;
  const stripped = decisions.filter((d) => d.bundleHash === hash && d.action === 'share-stripped').length;
  return {
    actor: null,
    action: 'bundle.exported',
    subjectType: 'bundle',
    subjectId: hash,
    details: { audience: bundle.audience, seq: bundle.seq, prev: bundle.prev, signer, encryptedTo: encryptedTo ?? null, upserts, stripped, revocations: bundle.entries.length - upserts },
  };
}

/**
 * saveOutbound's work inside the caller's transaction (a disclosure's approval stores its bundle with
 * the decision that released it). Wrap the transaction in withChainConflicts like saveOutbound does.
 */
export async function writeOutbound(em: EntityManager, input: OutboundBundle | OutboundBatch): Promise<'saved' | 'duplicate'> {
  const bundles: SignedBundle[] = 'bundles' in input ? input.bundles : [input];
  const decisions = input.decisions ?? [];
  const backfill = 'backfill' in input ? input.backfill : undefined;
  checkOutbound(bundles.map((b) => b.hash), decisions, backfill);
  const saved: SignedBundle[] = [];
  for (const signed of bundles) {
    const row = { ...signed, direction: 'out' as const, receivedAt: null, streamSeq: null };
    if (await insertBundleRow(em, { ...row, counts: { accepted: 0, pseudonymized: 0, rejected: 0 } })) saved.push(signed);
  }
  // An empty batch still marks: the policy may have withheld every pending change.
  if (saved.length === 0 && bundles.length > 0) return 'duplicate';
  await checkInForce(em, saved, decisions);
  await checkPolicyVersion(em, decisions);
  if (input.exported.length > 0) await query(em, MARK_EXPORTED_SQL, [JSON.stringify(input.exported)]);
  const relayed = 'relayed' in input ? (input.relayed ?? []) : [];
  if (relayed.length > 0) await query(em, MARK_RELAYED_SQL, [JSON.stringify(relayed.map((r) => ({ origin_node: r.originNode, id: r.id, version: r.version, revoked: r.revoked })))]);
  const savedHashes = new Set(saved.map((b) => b.hash));
  await insertExportDecisions(em, decisions.filter((d) => d.bundleHash === null || savedHashes.has(d.bundleHash)));
  if (backfill) await advanceBackfill(em, backfill);
  // Every bundle this node emits is a leaf of its verifiable feed log, from the moment it exists.
  await appendFeedLog(em, saved.map((b) => b.hash));
  await appendAudit(em, saved.map((b) => exportAudit(b, decisions)));
  return 'saved';
}

/** Refuses a batch whose decisions point outside it, before anything is written. */
function checkOutbound(hashes: readonly string[], decisions: readonly ExportDecisionInput[], backfill: OutboundBatch['backfill']): void {
  const inBatch = new Set(hashes);
  for (const d of decisions) {
    if (d.bundleHash !== null && !inBatch.has(d.bundleHash)) {
      throw new DomainError('EXPORT_DECISION_BUNDLE_UNKNOWN', `export decision for ${d.originId} → ${d.audience} names a bundle outside this batch`);
    }
  }
  if (backfill && (!PK_PATTERN.test(backfill.pk) || !isUuid(backfill.agreementId) || (backfill.from != null && !PK_PATTERN.test(backfill.from)))) {
    throw new DomainError('BACKFILL_INVALID', 'a backfill cursor is an agreement id (uuid) and an indicator pk (decimal)');
  }
}

/**
 * AGREEMENT_NOT_ACTIVE unless every partner audience of the newly stored bundles has an agreement
 * in force, and AGREEMENT_CHANGED when their entries were decided under another agreement than the
 * one in force now (it was superseded while the batch was being made): the exporter decides again.
 */
async function checkInForce(em: EntityManager, all: readonly SignedBundle[], decisions: readonly ExportDecisionInput[]): Promise<void> {
  // Revocation-only bundles carry ids and a reason, no data: they may go to a partner whose agreement ended.
  const saved = all.filter((b) => b.bundle.entries.length === 0 || b.bundle.entries.some((e) => e.op !== 'revoke'));
  const partners = [...new Set(saved.map((b) => b.bundle.audience).filter((a) => a !== COMMUNITY_AUDIENCE))];
  if (partners.length === 0) return;
  const rows = await query<{ id: string; partner: string }>(em, IN_FORCE_SQL, [JSON.stringify(partners)]);
  const inForce = new Map(rows.map((r) => [r.partner, r.id]));
  const missing = partners.filter((p) => !inForce.has(p));
  if (missing.length > 0) {
    throw new DomainError('AGREEMENT_NOT_ACTIVE', `no agreement in force with ${missing.join(', ')}: nothing is stored for its chain`, { partners: missing });
  }
  const audienceOf = new Map(saved.map((b) => [b.hash, b.bundle.audience]));
  const stale = decisions.find((d) => d.bundleHash !== null && audienceOf.has(d.bundleHash) && d.audience !== COMMUNITY_AUDIENCE && d.agreementId !== inForce.get(d.audience));
  if (stale) {
    throw new DomainError('AGREEMENT_CHANGED', `entries for ${stale.audience} were decided under agreement ${stale.agreementId ?? 'none'}, but ${inForce.get(stale.audience)} is in force now; nothing is stored`, { partners: [stale.audience] });
  }
}

// Shared with policies.add's exclusive lock: a batch commits entirely before or after a policy change.
const POLICY_VERSION_SQL = `select pg_advisory_xact_lock_shared(7362004), (select coalesce(max(version), 0) from policy_version)::int as version`;

/** POLICY_CHANGED when the batch was decided under a policy version that is no longer the active one. */
async function checkPolicyVersion(em: EntityManager, decisions: readonly ExportDecisionInput[]): Promise<void> {
  const used = new Set(decisions.map((d) => d.policyVersion).filter((v): v is number => v !== null));
  if (used.size === 0) return;
  const [row] = await query<{ version: number }>(em, POLICY_VERSION_SQL);
  const stale = [...used].find((v) => v !== row!.version);
  if (stale !== undefined) {
    throw new DomainError('POLICY_CHANGED', `decided under policy version ${stale}, but version ${row!.version} is active now; nothing is stored`);
  }
}

async function advanceBackfill(em: EntityManager, backfill: NonNullable<OutboundBatch['backfill']>): Promise<void> {
  if (backfill.from !== undefined) {
    const moved = await query(em, ADVANCE_BACKFILL_FROM_SQL, [backfill.pk, backfill.done, backfill.agreementId, backfill.from]);
    if (moved.length > 0) return;
    if ((await query(em, 'select 1 from agreement where id = ?::uuid', [backfill.agreementId])).length > 0) {
      throw new DomainError('BACKFILL_MOVED', `the backfill of agreement ${backfill.agreementId} was restarted meanwhile; nothing is stored`);
    }
  }
  const updated = await query(em, ADVANCE_BACKFILL_SQL, [backfill.pk, backfill.done, backfill.agreementId]);
  if (updated.length === 0) throw new DomainError('AGREEMENT_NOT_FOUND', `no agreement ${backfill.agreementId}`);
}
