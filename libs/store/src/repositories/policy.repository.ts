import { DomainError } from '@palermo/indicators';
import { PolicyVersionEntity } from '../entities/policy-version.entity';
import { query } from '../sql.helper';
import { hasUnstorableText, storableTextOrNull } from '../storable.helper';
import type { NewPolicyVersion, PolicyVersionRecord, PolicyVersionSummary } from '../governance.types';
import { appendAudit, checkActor } from './audit.repository';
import { Repository } from './repository.base';

// Version numbers are max + 1: two officers saving at once get consecutive versions, not a clash.
const POLICY_LOCK_SQL = 'select pg_advisory_xact_lock(7362004)';

const INSERT_SQL = `
  insert into policy_version (version, text, sha256, author_token, author_name, comment)
  select coalesce(max(version), 0) + 1, ?::text, ?::text, ?::uuid, ?::text, ?::text from policy_version
  returning version, created_at`;

const SHA256_PATTERN = /^[0-9a-f]{64}$/;

// A new policy version applies to everything not yet handed to NATS: stored bundles that never left
// are dropped and what they carried is queued again, and every current agreement's backfill restarts
// (so partners get withdrawals of what the new version no longer lets them hold).
const REDECIDE_SQL = `
  with gone as (
    delete from bundle where direction = 'out' and published_at is null and publish_attempted_at is null returning hash
  ), decided as (
    delete from export_decision where bundle_hash in (select hash from gone) returning origin_id
  ), requeued as (
    update indicator set exported_version = 0, updated_at = now()
    where own and origin_id in (select origin_id from decided) returning 1
  ), restarted as (
    update agreement set backfill_pk = null, backfilled_at = null where state in ('active', 'suspended') returning 1
  )
  select (select count(*) from gone)::int as bundles, (select count(*) from requeued)::int as requeued,
         (select count(*) from restarted)::int as backfills`;
const SUMMARY_FIELDS = ['version', 'sha256', 'authorToken', 'authorName', 'comment', 'createdAt'] as const;

/** Versions of the jurisdiction policy text; the newest is the active one. */
export class PolicyRepository extends Repository {
  /** The active (newest) version with its text, or null before the first one. */
  async active(): Promise<PolicyVersionRecord | null> {
    const rows = await this.fork().find(PolicyVersionEntity, {}, { orderBy: { version: 'desc' }, limit: 1, populate: ['text'] });
    return rows[0] ? toRecord(rows[0], true) : null;
  }

  /**
   * Stores a new version, which becomes the active one, and audits 'policy.changed' (version,
   * sha256, comment; never the text) in the same transaction. The text is stored exactly (its
   * hash must keep matching), so text PostgreSQL cannot hold is POLICY_TEXT_UNSTORABLE.
   */
  async add(input: NewPolicyVersion): Promise<PolicyVersionRecord> {
    checkActor(input.author);
    if (hasUnstorableText(input.text)) throw new DomainError('POLICY_TEXT_UNSTORABLE', 'the policy text holds U+0000 or a lone surrogate');
    if (!SHA256_PATTERN.test(input.sha256)) throw new DomainError('POLICY_SHA256_INVALID', 'sha256 must be 64 lower-case hex digits');
    const comment = storableTextOrNull(input.comment, 2000);
    const authorName = input.author ? (storableTextOrNull(input.author.name, 200) ?? '') : null;
    return this.transaction(async (em) => {
      await query(em, POLICY_LOCK_SQL);
      const [row] = await query<{ version: number; created_at: Date | string }>(em, INSERT_SQL, [
        input.text,
        input.sha256,
        input.author?.tokenId ?? null,
        authorName,
        comment,
      ]);
      const version = row!.version;
      const [redecided] = await query<{ bundles: number; requeued: number; backfills: number }>(em, REDECIDE_SQL);
      await appendAudit(em, [
        {
          actor: input.author,
          action: 'policy.changed',
          subjectType: 'policy',
          subjectId: String(version),
          details: { version, sha256: input.sha256, comment, unsentBundlesRedecided: redecided?.bundles ?? 0, backfillsRestarted: redecided?.backfills ?? 0 },
        },
      ]);
      return {
        version,
        sha256: input.sha256,
        text: input.text,
        author: input.author ? { tokenId: input.author.tokenId, name: authorName ?? '' } : null,
        comment,
        createdAt: new Date(row!.created_at).toISOString(),
        active: true,
      };
    });
  }

  /** Every version without its text, newest first. */
  async list(): Promise<PolicyVersionSummary[]> {
    const rows = await this.fork().find(PolicyVersionEntity, {}, { orderBy: { version: 'desc' }, fields: [...SUMMARY_FIELDS] });
    return rows.map((row, i) => toSummary(row, i === 0));
  }

  /** One version with its text, or null. */
  async get(version: number): Promise<PolicyVersionRecord | null> {
    if (!Number.isInteger(version) || version < 1 || version > 2_147_483_647) return null;
    const em = this.fork();
    const row = await em.findOne(PolicyVersionEntity, { version }, { populate: ['text'] });
    if (!row) return null;
    const newer = await em.count(PolicyVersionEntity, { version: { $gt: version } });
    return toRecord(row, newer === 0);
  }
}

type SummaryRow = Pick<PolicyVersionEntity, (typeof SUMMARY_FIELDS)[number]>;

function toSummary(row: SummaryRow, active: boolean): PolicyVersionSummary {
  return {
    version: row.version,
    sha256: row.sha256,
    author: row.authorToken === null && row.authorName === null ? null : { tokenId: row.authorToken ?? '', name: row.authorName ?? '' },
    comment: row.comment,
    createdAt: row.createdAt.toISOString(),
    active,
  };
}

function toRecord(row: PolicyVersionEntity, active: boolean): PolicyVersionRecord {
  return { ...toSummary(row, active), text: row.text };
}
