import type { IndicatorType, Tlp } from '@palermo/indicators';
import type { ImportAction } from '@palermo/policy';
import { BundleEntity } from '../entities/bundle.entity';
import { ImportDecisionEntity } from '../entities/import-decision.entity';
import { checkLimit } from '../sql.helper';
import { hasUnstorableText } from '../storable.helper';
import type { DecisionRecord, InboundWithDecisions } from '../store.types';
import { toBundleSummary } from './bundle.sql';
import { Repository } from './repository.base';

/** Import decisions: "why did we (not) keep this?" */
export class DecisionRepository extends Repository {
  /** Every decision on one inbound bundle, in entry order. */
  async forBundle(hash: string): Promise<DecisionRecord[]> {
    const rows = await this.fork().find(ImportDecisionEntity, { bundleHash: hash }, { orderBy: { entryIndex: 'asc' } });
    return rows.map(toDecisionRecord);
  }

  /** Every decision about one imported indicator (all versions and bundles), newest first. */
  async forIndicator(originNode: string, originId: string, limit = 100): Promise<DecisionRecord[]> {
    checkLimit(limit);
    if (hasUnstorableText(originNode) || hasUnstorableText(originId)) return [];
    const rows = await this.fork().find(ImportDecisionEntity, { originNode, originId }, { orderBy: { id: 'desc' }, limit });
    return rows.map(toDecisionRecord);
  }

  /**
   * The newest inbound bundles (newest first, at most `limit`, 1–1000) with every decision on them
   * in entry order, facts included: the input of the policy simulator. Two queries in all.
   */
  async recentInbound(limit: number): Promise<InboundWithDecisions[]> {
    checkLimit(limit);
    const em = this.fork();
    const bundles = await em.find(BundleEntity, { direction: 'in' }, { orderBy: { pos: 'desc' }, limit });
    if (bundles.length === 0) return [];
    const rows = await em.find(
      ImportDecisionEntity,
      { bundleHash: { $in: bundles.map((b) => b.hash) } },
      { orderBy: { bundleHash: 'asc', entryIndex: 'asc' } },
    );
    const byBundle = new Map<string, DecisionRecord[]>(bundles.map((b) => [b.hash, []]));
    for (const row of rows) byBundle.get(row.bundleHash)?.push(toDecisionRecord(row));
    return bundles.map((b) => ({ bundle: toBundleSummary(b), decisions: byBundle.get(b.hash) ?? [] }));
  }
}

/** A decision entity as its public record. */
export function toDecisionRecord(row: ImportDecisionEntity): DecisionRecord {
  return {
    bundleHash: row.bundleHash,
    entryIndex: row.entryIndex,
    originNode: row.originNode,
    originId: row.originId,
    version: row.version,
    action: row.action as ImportAction,
    reasons: row.reasons,
    decidedAt: row.decidedAt.toISOString(),
    policyVersion: row.policyVersion,
    agreementId: row.agreementId,
    facts:
      row.type === null || row.tlp === null || row.confidence === null || row.firstSeen === null
        ? null
        : {
            origin: row.originNode,
            type: row.type as IndicatorType,
            tlp: row.tlp as Tlp,
            confidence: row.confidence,
            tags: row.tags ?? [],
            firstSeen: row.firstSeen.toISOString(),
          },
  };
}
