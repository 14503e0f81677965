import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from '@palermo/indicators';
import { ExportDecisionEntity } from '../entities/export-decision.entity';
import { checkLimit, query } from '../sql.helper';
import { hasUnstorableText } from '../storable.helper';
import type { ExportDecisionInput, ExportDecisionRecord } from '../store.types';
import { Repository } from './repository.base';

// One statement per batch, however many (indicator, audience) pairs a pass decided.
const INSERT_SQL = `
  insert into export_decision (audience, origin_id, version, action, reasons, policy_version, agreement_id,
    bundle_hash, entry_index)
  select x.audience, x.origin_id, x.version, x.action, x.reasons, x.policy_version, x.agreement_id,
    x.bundle_hash, x.entry_index
  from json_to_recordset(?::text::json) as x(n integer, audience text, origin_id text, version integer, action text,
    reasons text[], policy_version integer, agreement_id uuid, bundle_hash text, entry_index integer)
  order by x.n`;

// Served by export_decision_origin (origin_id, audience). An audience holds an id while its latest
// sent entry for it (any version) is an upsert: a later revoke entry takes it back.
const SHARED_AUDIENCES_SQL = `
  select d.origin_id, d.audience, max(d.version) filter (where d.action in ('share', 'share-stripped'))::int as version
  from export_decision d
  join (select distinct value as origin_id from json_array_elements_text(?::text::json)) k on k.origin_id = d.origin_id
  where d.bundle_hash is not null
  group by d.origin_id, d.audience
  having max(d.id) filter (where d.action in ('share', 'share-stripped'))
       > coalesce(max(d.id) filter (where d.action = 'revoke'), 0)`;

// Whether an upsert of the id ever went out in a bundle to one of the audiences (a later revoke does
// not undo that the audience saw it). Served by export_decision_origin.
const EVER_SHARED_SQL = `
  select 1 from export_decision d
  where d.origin_id = ? and d.audience = any(string_to_array(?, ',')) and d.bundle_hash is not null
    and d.action in ('share', 'share-stripped')
  limit 1`;

/** Writes export decisions inside the caller's transaction (saveOutbound). */
export async function insertExportDecisions(em: EntityManager, decisions: readonly ExportDecisionInput[]): Promise<void> {
  if (decisions.length === 0) return;
  const rows = decisions.map((d, n) => {
    if (d.reasons.length === 0) {
      throw new DomainError('DECISION_WITHOUT_REASON', `export decision for ${d.originId} → ${d.audience}: a decision must name its rules`);
    }
    return {
      n,
      audience: d.audience,
      origin_id: d.originId,
      version: d.version,
      action: d.action,
      reasons: d.reasons,
      policy_version: d.policyVersion,
      agreement_id: d.agreementId,
      bundle_hash: d.bundleHash,
      entry_index: d.entryIndex,
    };
  });
  await query(em, INSERT_SQL, [JSON.stringify(rows)]);
}

/** Export decisions: "why did (not) this partner receive it?" */
export class ExportDecisionRepository extends Repository {
  /** The decisions carried by one outbound bundle, in entry order. */
  async forBundle(hash: string): Promise<ExportDecisionRecord[]> {
    const rows = await this.fork().find(ExportDecisionEntity, { bundleHash: hash }, { orderBy: { entryIndex: 'asc' } });
    return rows.map(toExportDecisionRecord);
  }

  /** Decisions about one own indicator (every version and audience, withheld ones too), newest first. */
  async forIndicator(originId: string, limit = 1000): Promise<ExportDecisionRecord[]> {
    checkLimit(limit);
    if (hasUnstorableText(originId)) return [];
    const rows = await this.fork().find(ExportDecisionEntity, { originId }, { orderBy: { id: 'desc' }, limit });
    return rows.map(toExportDecisionRecord);
  }

  /**
   * Whether an own indicator was ever sent (shared or shared stripped, in a bundle) to one of the
   * audiences, e.g. a partner and the community chain: who may send feedback about it.
   */
  async wasSharedWith(originId: string, audiences: readonly string[]): Promise<boolean> {
    const names = audiences.filter((a) => /^[a-z][a-z0-9-]{1,31}$/.test(a));
    if (names.length === 0 || hasUnstorableText(originId)) return false;
    const rows = await query(this.fork(), EVER_SHARED_SQL, [originId, names.join(',')]);
    return rows.length > 0;
  }

  /**
   * For each id, the audiences holding it, with the highest version sent to each: an upsert of it
   * went out to them in a bundle (share or share-stripped) and no revoke entry since. Ids no audience
   * holds are absent.
   * One indexed query for the whole batch.
   */
  async sharedAudiences(originIds: readonly string[]): Promise<Map<string, Map<string, number>>> {
    const shared = new Map<string, Map<string, number>>();
    if (originIds.length === 0) return shared;
    const ids = originIds.filter((id) => !hasUnstorableText(id));
    const rows = await query<{ origin_id: string; audience: string; version: number }>(this.fork(), SHARED_AUDIENCES_SQL, [JSON.stringify(ids)]);
    for (const row of rows) {
      let audiences = shared.get(row.origin_id);
      if (!audiences) shared.set(row.origin_id, (audiences = new Map()));
      audiences.set(row.audience, row.version);
    }
    return shared;
  }
}

function toExportDecisionRecord(row: ExportDecisionEntity): ExportDecisionRecord {
  return {
    audience: row.audience,
    originId: row.originId,
    version: row.version,
    action: row.action as ExportDecisionRecord['action'],
    reasons: row.reasons,
    policyVersion: row.policyVersion,
    agreementId: row.agreementId,
    bundleHash: row.bundleHash,
    entryIndex: row.entryIndex,
    decidedAt: row.decidedAt.toISOString(),
  };
}
