import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { DomainError, type Tlp } from '@palermo/indicators';
import { readStixObjects, STIX_READ_DEFAULTS, stixObjectToIndicator, stricterTlp, tlpOfMarkingDefinition } from '@palermo/interop';
import type { ActorRef } from '@palermo/policy';
import { Store, type ImportSession, type ImportSource } from '@palermo/store';
import { ExportService } from '../export/export.service';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { ImportBatcher, ImportReport } from './stix-import.batcher';
import { STIX_MEDIA_TYPES, type StixImportQuery } from './stix-import.query';

/** Headers POST /stix/import looks at. */
export interface StixImportHeaders {
  'content-type'?: string;
  'content-encoding'?: string;
}

// Thrown inside the transaction of a dry run, so it rolls back after the report is complete.
class DryRunRollback extends Error {}

/**
 * STIX 2.1 bundles become own indicators of this node: read as a stream, mapped object by object,
 * validated by the one indicator schema and written in batches inside ONE transaction.
 */
@Injectable()
export class StixImportService {
  constructor(
    private readonly store: Store,
    private readonly exporter: ExportService,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  /** Imports one bundle from `body` (never held whole); any file-level error changes nothing. */
  async import(body: Readable, headers: StixImportHeaders, query: StixImportQuery, actor: ActorRef) {
    checkMediaType(headers);
    return this.run('stix', actor, query.dryRun, async (session, report) => {
      const batcher = new ImportBatcher(session, report, this.config.jurisdiction);
      const objects = await this.readInto(body, query, batcher, report);
      await batcher.flush();
      return { answer: { objects }, audit: { objects } };
    });
  }

  /** Maps each object of the bundle as it arrives; returns how many objects the bundle held. */
  private async readInto(body: Readable, query: StixImportQuery, batcher: ImportBatcher, report: ImportReport): Promise<number> {
    const limits = { maxBytes: this.config.interop.stixMaxBytes, maxDepth: STIX_READ_DEFAULTS.maxDepth };
    // TLP markings the file itself defines (e.g. OpenCTI's own TLP ids), for the objects after them.
    const markings = new Map<string, Tlp>();
    let index = 0;
    try {
      // Not destroyed when the reader stops early: a refused file is drained (discarded) below, so
      // the client reads the error answer instead of a connection reset in the middle of its upload.
      for await (const obj of readStixObjects(body.iterator({ destroyOnReturn: false }), limits)) {
        const place = { index: index++, id: null as string | null, type: null as string | null };
        rememberMarking(markings, obj);
        const mapped = stixObjectToIndicator(obj, { defaultTlp: query.tlp, markings });
        if (mapped.kind === 'ignored') {
          report.ignore(mapped.stixType);
        } else if (mapped.kind === 'failed') {
          report.fail({ ...place, id: mapped.stixId, type: mapped.stixType }, mapped.code, mapped.reason);
        } else {
          const at = { ...place, id: mapped.stixId, type: 'indicator' };
          for (const warning of mapped.warnings) report.warn(at, warning);
          await batcher.add(at, mapped.stixId, mapped.modified, mapped.revoked, mapped.input);
        }
      }
    } catch (err) {
      discardRest(body);
      throw err;
    }
    return index;
  }

  /**
   * One import in one transaction: `work` fills the report and says what the answer and the audit
   * entry add to the counts. The audit entry joins the same transaction; a dry run rolls everything
   * back; the exporter is nudged only after a commit.
   */
  async run<T extends object>(
    source: ImportSource,
    actor: ActorRef,
    dryRun: boolean,
    work: (session: ImportSession, report: ImportReport) => Promise<{ answer: T; audit: Record<string, unknown> }>,
  ) {
    const importId = randomUUID();
    const report = new ImportReport();
    let extra = {} as T;
    try {
      await this.store.stixImports.run(source, this.config.nodeId, actor, async (session) => {
        const done = await work(session, report);
        extra = done.answer;
        // Counts and provenance only: the audit log keeps no values.
        const details = { counts: report.counts, dryRun, ...done.audit };
        await session.audit({ action: `${source}.import`, subjectType: `${source}-import`, subjectId: importId, details });
        if (dryRun) throw new DryRunRollback();
      });
    } catch (err) {
      if (!(err instanceof DryRunRollback)) throw err;
    }
    if (!dryRun && report.changed) this.exporter.nudge();
    return {
      importId,
      format: source,
      dryRun,
      ...extra,
      counts: report.counts,
      ignoredByType: report.ignoredByType,
      failures: report.failures,
      warnings: report.warnings,
      warningsTotal: report.warningsTotal,
    };
  }
}

/**
 * Keeps the TLP a marking-definition object of the file declares. One id defined twice keeps the
 * stricter level; the official TLP ids keep their meaning whatever a file says (the mapper reads them first).
 */
function rememberMarking(markings: Map<string, Tlp>, obj: unknown): void {
  const tlp = tlpOfMarkingDefinition(obj);
  if (tlp === undefined) return;
  const id = (obj as { id?: unknown }).id;
  if (typeof id !== 'string' || markings.size >= 1000) return;
  const known = markings.get(id);
  markings.set(id, known ? stricterTlp(known, tlp) : tlp);
}

/** Most bytes of a refused upload read and discarded before the connection is cut instead. */
const MAX_DISCARDED_BYTES = 64 * 1024 * 1024;

/**
 * Reads and discards what is left of a refused upload, so the client gets to read the error answer;
 * a client that keeps sending beyond MAX_DISCARDED_BYTES is cut off.
 */
function discardRest(body: Readable): void {
  if (body.readableEnded || body.destroyed) return;
  let discarded = 0;
  body.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > MAX_DISCARDED_BYTES) body.destroy();
  });
  body.resume();
}

function checkMediaType(headers: StixImportHeaders): void {
  const type = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!(STIX_MEDIA_TYPES as readonly string[]).includes(type)) {
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', `send the bundle as ${STIX_MEDIA_TYPES.join(' or ')} (got ${JSON.stringify(type.slice(0, 80))})`);
  }
  const encoding = (headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity') throw new DomainError('UNSUPPORTED_MEDIA_TYPE', `content-encoding ${JSON.stringify(encoding.slice(0, 40))} is not supported; send the file uncompressed`);
}
