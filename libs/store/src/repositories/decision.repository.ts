import type { ImportAction } from '@palermo/policy';
import { ImportDecisionEntity } from '../entities/import-decision.entity';
import type { DecisionRecord } from '../store.types';
import { Repository } from './repository.base';

/** Import decisions: "why did we (not) keep this?" */
export class DecisionRepository extends Repository {
  /** Every decision on one inbound bundle, in entry order. */
  async forBundle(hash: string): Promise<DecisionRecord[]> {
    const rows = await this.fork().find(ImportDecisionEntity, { bundleHash: hash }, { orderBy: { entryIndex: 'asc' } });
    return rows.map(toDecisionRecord);
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
  };
}
