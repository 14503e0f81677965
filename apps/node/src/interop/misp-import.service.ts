import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@palermo/indicators';
import type { ActorRef } from '@palermo/policy';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { ImportBatcher } from './stix-import.batcher';
import type { MispImportQuery } from './stix-import.query';
import { StixImportService } from './stix-import.service';
import { mispEventToIndicators } from './misp-import.shim';

/**
 * MISP event JSON becomes own indicators of this node through the same transactional path as STIX
 * files: idempotent by attribute uuid + attribute timestamp, provenance = event uuid.
 */
@Injectable()
export class MispImportService {
  constructor(
    private readonly imports: StixImportService,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  /** Imports the mappable attributes of one event; the report lists what was skipped and why. */
  async import(body: unknown, query: MispImportQuery, actor: ActorRef) {
    const mapped = mispEventToIndicators(body);
    if (!mapped.event.uuid) throw new DomainError('MISP_NOT_AN_EVENT', 'the body is not a MISP event ({"Event": {"uuid": …, "Attribute": […]}} or the bare event)');
    // Without a timestamp an attribute counts as new: the upsert still reports "unchanged" if nothing differs.
    const now = new Date().toISOString();
    return this.imports.run('misp', actor, query.dryRun, async (session, report) => {
      const batcher = new ImportBatcher(session, report, this.config.jurisdiction);
      for (const [index, item] of mapped.items.entries()) {
        const place = { index, id: item.source.uuid, type: item.source.type };
        await batcher.add(place, item.source.uuid, item.source.timestamp ?? now, false, item.input, mapped.event.uuid);
      }
      await batcher.flush();
      return { event: mapped.event, attributes: mapped.items.length + mapped.skipped.length, skipped: mapped.skipped.slice(0, 100), skippedTotal: mapped.skipped.length };
    });
  }
}
