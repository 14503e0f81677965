import { Inject, Injectable } from '@nestjs/common';
import { mispEventToIndicators, type MispImport } from '@palermo/interop';
import type { ActorRef } from '@palermo/policy';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { ImportSessionService } from './import-session.service';
import type { ImportSpool } from './import.spool';
import type { MispImportQuery } from './stix-import.query';

/** Skipped attributes and warnings listed in a report (the rest are counted). */
const MAX_LISTED = 100;

/**
 * A version for an attribute when neither it, its object nor the event says when: fixed, so
 * re-importing the same event never counts as a newer version (the first import of it stays).
 */
const NO_TIMESTAMP = '1970-01-01T00:00:00.000Z';

/**
 * MISP event JSON becomes own indicators of this node through the same import path as STIX files
 * (ImportSessionService): idempotent by attribute uuid (+ half, for domain|ip) and attribute
 * timestamp; the event uuid is kept as provenance. An attribute deleted in MISP revokes what an
 * earlier import of it created, the way a STIX `revoked: true` does.
 */
@Injectable()
export class MispImportService {
  constructor(
    private readonly sessions: ImportSessionService,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  /** Imports the mappable attributes of one event; the report lists what was skipped and why. */
  async import(body: unknown, query: MispImportQuery, actor: ActorRef) {
    const mapped = mispEventToIndicators(body, { defaultRegion: this.config.jurisdiction });
    return this.sessions.run('misp', actor, query.dryRun, async (spool) => {
      await spoolEvent(spool, mapped);
      const answer = {
        event: mapped.event,
        skipped: mapped.skipped.slice(0, MAX_LISTED),
        skippedTotal: mapped.skipped.length,
        mispWarnings: mapped.warnings.slice(0, MAX_LISTED),
        mispWarningsTotal: mapped.warnings.length,
      };
      return { answer, audit: { event: mapped.event.uuid, skipped: mapped.skipped.length, deleted: mapped.deleted.length } };
    });
  }
}

async function spoolEvent(spool: ImportSpool, mapped: MispImport): Promise<void> {
  const context = mapped.event.uuid;
  let index = 0;
  for (const item of mapped.items) {
    const place = { index: index++, id: item.source.uuid, type: item.source.type };
    await spool.add(place, { refId: refIdOf(item.source), modified: item.source.timestamp ?? NO_TIMESTAMP, revoked: false, input: item.input, context });
  }
  for (const deletion of mapped.deleted) {
    const place = { index: index++, id: deletion.uuid, type: 'deleted' };
    await spool.add(place, { refId: refIdOf(deletion), modified: deletion.timestamp ?? NO_TIMESTAMP, revoked: true, onlyIfKnown: true, context });
  }
}

/** A domain|ip attribute yields two indicators: each half is its own reference. */
function refIdOf(source: { uuid: string; component?: string }): string {
  return source.component ? `${source.uuid}:${source.component}` : source.uuid;
}
