import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from '@palermo/indicators';
import { v7 as uuidv7 } from 'uuid';
import { query } from '../sql.helper';
import type { PurgeResult } from '../governance.types';
import { appendAudit } from './audit.repository';
import { Repository } from './repository.base';

// Each statement takes at most one batch (served by the partial indexes indicator_expiry,
// bundle_expiry and quarantine_uncleared), so a million expired rows are many short transactions,
// not one that holds locks and WAL for minutes. The byPublisher count names the publisher of the
// bundle that brought the row (its agreement set the expiry), falling back to the origin.
const PURGE_INDICATORS_SQL = `
  with gone as (
    delete from indicator where pk in (
      select pk from indicator
      where not own and expires_at is not null and expires_at <= ?::timestamptz
      order by expires_at limit ?)
      -- Re-checked on the row itself: an import that just refreshed the expiry (a newer version) wins.
      and expires_at <= ?::timestamptz
    returning origin_node, source_bundle_hash
  )
  select coalesce(b.publisher, g.origin_node) as publisher, count(*)::int as n
  from gone g left join bundle b on b.hash = g.source_bundle_hash
  group by 1`;

const REDACT_BUNDLES_SQL = `
  with redacted as (
    update bundle set bytes = null where hash in (
      select hash from bundle
      where direction = 'in' and expires_at is not null and bytes is not null and expires_at <= ?::timestamptz
      limit ?)
    returning 1
  )
  select count(*)::int as n from redacted`;

// The payload goes; the row, its sha256, code and message stay as the record of what failed.
const CLEAR_QUARANTINE_SQL = `
  with cleared as (
    update quarantine set payload = ''::bytea, payload_cleared_at = ?::timestamptz where id in (
      select id from quarantine where payload_cleared_at is null and received_at < ?::timestamptz limit ?)
    returning 1
  )
  select count(*)::int as n from cleared`;

const DAY_MS = 86_400_000;
const BATCH = 10_000;

/** Retention: the scheduled purge of what agreements allow this node to keep only for a while. */
export class RetentionRepository extends Repository {
  /**
   * Deletes expired imported indicators (values and pseudonyms; own indicators never), drops the
   * bytes of expired inbound bundles and empties quarantine payloads received more than
   * `quarantineDays` before `now`. Works in transactions of at most `batchSize` rows per kind;
   * each that removed anything appends its own audit 'retention.purge' (counts, cutoff, run id)
   * in the same transaction. Returns the totals; all zero (and no audit entry) when nothing expired.
   */
  async purgeExpired(now: Date, quarantineDays: number, options: { batchSize?: number } = {}): Promise<PurgeResult> {
    if (Number.isNaN(now.getTime())) throw new DomainError('INVALID_DATE', 'now is not a date');
    if (!Number.isInteger(quarantineDays) || quarantineDays < 0 || quarantineDays > 36_500) {
      throw new DomainError('INVALID_RETENTION', 'quarantineDays must be an integer between 0 and 36500');
    }
    const batchSize = options.batchSize ?? BATCH;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
      throw new DomainError('INVALID_LIMIT', 'batchSize must be an integer between 1 and 100000');
    }
    const cutoff = now.toISOString();
    const quarantineCutoff = new Date(now.getTime() - quarantineDays * DAY_MS).toISOString();
    const total: PurgeResult = { indicators: 0, byPublisher: {}, bundlesRedacted: 0, quarantineCleared: 0, cutoff };
    const runId = uuidv7();
    for (let batch = 1; ; batch++) {
      const done = await this.transaction((em) => purgeBatch(em, { cutoff, quarantineCutoff, batchSize, runId, batch }));
      add(total, done);
      if (done.indicators < batchSize && done.bundlesRedacted < batchSize && done.quarantineCleared < batchSize) return total;
    }
  }
}

interface BatchArgs {
  cutoff: string;
  quarantineCutoff: string;
  batchSize: number;
  runId: string;
  batch: number;
}

async function purgeBatch(em: EntityManager, args: BatchArgs): Promise<PurgeResult> {
  const { cutoff, quarantineCutoff, batchSize } = args;
  const byPublisherRows = await query<{ publisher: string; n: number }>(em, PURGE_INDICATORS_SQL, [cutoff, batchSize, cutoff]);
  const byPublisher = Object.fromEntries(byPublisherRows.map((r) => [r.publisher, Number(r.n)]));
  const indicators = byPublisherRows.reduce((sum, r) => sum + Number(r.n), 0);
  const [bundles] = await query<{ n: number }>(em, REDACT_BUNDLES_SQL, [cutoff, batchSize]);
  const [quarantine] = await query<{ n: number }>(em, CLEAR_QUARANTINE_SQL, [cutoff, quarantineCutoff, batchSize]);
  const result = { indicators, byPublisher, bundlesRedacted: Number(bundles?.n ?? 0), quarantineCleared: Number(quarantine?.n ?? 0), cutoff };
  if (result.indicators + result.bundlesRedacted + result.quarantineCleared > 0) {
    await appendAudit(em, [
      {
        actor: null,
        action: 'retention.purge',
        subjectType: 'retention',
        subjectId: args.runId,
        details: { ...result, quarantineCutoff, run: args.runId, batch: args.batch },
      },
    ]);
  }
  return result;
}

function add(total: PurgeResult, batch: PurgeResult): void {
  total.indicators += batch.indicators;
  total.bundlesRedacted += batch.bundlesRedacted;
  total.quarantineCleared += batch.quarantineCleared;
  for (const [publisher, n] of Object.entries(batch.byPublisher)) total.byPublisher[publisher] = (total.byPublisher[publisher] ?? 0) + n;
}
