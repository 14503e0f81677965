import { Inject, Injectable } from '@nestjs/common';
import { mispEventToIndicators, type MispSource } from '@palermo/interop';
import type { ActorRef } from '@palermo/policy';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { ImportBatcher } from './stix-import.batcher';
import type { MispImportQuery } from './stix-import.query';
import { StixImportService } from './stix-import.service';

/** Skipped attributes and warnings listed in a report (the rest are counted). */
const MAX_LISTED = 100;

/**
 * MISP event JSON becomes own indicators of this node through the same transactional path as STIX
 * files: idempotent by attribute uuid (+ half, for domain|ip) and attribute timestamp; the event
 * uuid is kept as provenance.
 */
@Injectable()
export class MispImportService {
  constructor(
    private readonly imports: StixImportService,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  /** Imports the mappable attributes of one event; the report lists what was skipped and why. */
  async import(body: unknown, query: MispImportQuery, actor: ActorRef) {
    const mapped = mispEventToIndicators(body, { defaultRegion: this.config.jurisdiction });
    // Without a timestamp an attribute counts as new: the upsert still reports "unchanged" if nothing differs.
    const now = new Date().toISOString();
    return this.imports.run('misp', actor, query.dryRun, async (session, report) => {
      const batcher = new ImportBatcher(session, report, this.config.jurisdiction);
      for (const [index, item] of mapped.items.entries()) {
        const place = { index, id: item.source.uuid, type: item.source.type };
        await batcher.add(place, refIdOf(item.source), item.source.timestamp ?? now, false, item.input, mapped.event.uuid);
      }
      await batcher.flush();
      const answer = {
        event: mapped.event,
        skipped: mapped.skipped.slice(0, MAX_LISTED),
        skippedTotal: mapped.skipped.length,
        mispWarnings: mapped.warnings.slice(0, MAX_LISTED),
        mispWarningsTotal: mapped.warnings.length,
      };
      return { answer, audit: { event: mapped.event.uuid, skipped: mapped.skipped.length } };
    });
  }
}

/** A domain|ip attribute yields two indicators: each half is its own reference. */
function refIdOf(source: MispSource): string {
  return source.component ? `${source.uuid}:${source.component}` : source.uuid;
}
