import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { ActorRef } from '@palermo/policy';
import { Store, type ImportSource } from '@palermo/store';
import { ExportService } from '../export/export.service';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { ImportBatcher } from './import.batcher';
import { ImportReport } from './import.report';
import { ImportSpool } from './import.spool';

// Thrown inside the transaction of a dry run, so it rolls back after the report is complete.
class DryRunRollback extends Error {}

/** What the format-specific part of an import adds to the answer and to the audit entry. */
export interface CollectedImport<T extends object> {
  answer: T;
  audit: Record<string, unknown>;
}

/**
 * The import path STIX and MISP share. Two phases, so a slow upload never blocks other writers:
 * 1. `collect` reads and maps the file into a spool (no lock, no transaction, bounded memory);
 * 2. the spooled objects are applied in ONE short transaction under the own-write lock, in batches
 *    read back from the spool, with the audit entry; a dry run rolls it back; the exporter is
 *    nudged only after a commit. A file-level error in phase 1 changes nothing.
 */
@Injectable()
export class ImportSessionService {
  constructor(
    private readonly store: Store,
    private readonly exporter: ExportService,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  /** Runs one import; the answer is the report plus what `collect` adds. */
  async run<T extends object>(source: ImportSource, actor: ActorRef, dryRun: boolean, collect: (spool: ImportSpool, report: ImportReport) => Promise<CollectedImport<T>>) {
    const importId = randomUUID();
    const report = new ImportReport();
    const spool = await ImportSpool.open(report, this.config.jurisdiction);
    let collected: CollectedImport<T>;
    try {
      collected = await collect(spool, report);
      await spool.close();
      await this.apply(source, actor, dryRun, importId, spool, report, collected.audit);
    } finally {
      await spool.dispose();
    }
    if (!dryRun && report.changed) this.exporter.nudge();
    return {
      importId,
      format: source,
      dryRun,
      ...collected.answer,
      counts: report.counts,
      adopted: report.adopted,
      adoptedFrom: report.adoptedFrom,
      ignoredByType: report.ignoredByType,
      failures: report.failures,
      warnings: report.warnings,
      warningsTotal: report.warningsTotal,
    };
  }

  private async apply(source: ImportSource, actor: ActorRef, dryRun: boolean, importId: string, spool: ImportSpool, report: ImportReport, audit: Record<string, unknown>) {
    try {
      await this.store.stixImports.run(source, this.config.nodeId, actor, async (session) => {
        const batcher = new ImportBatcher(session, report);
        for await (const entry of spool.read()) await batcher.add(entry);
        await batcher.flush();
        // Counts and provenance only: the audit log keeps no values.
        const adopted = report.adopted > 0 ? { adopted: report.adopted, adoptedFrom: report.adoptedFrom } : {};
        const details = { counts: report.counts, dryRun, ...adopted, ...audit };
        await session.audit({ action: `${source}.import`, subjectType: `${source}-import`, subjectId: importId, details });
        if (dryRun) throw new DryRunRollback();
      });
    } catch (err) {
      if (!(err instanceof DryRunRollback)) throw err;
    }
  }
}
