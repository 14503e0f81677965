import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { v4 as uuidv4 } from 'uuid';
import { Store, type CollectionPosition } from '@palermo/store';
import type { Principal } from '../auth/roles';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { LOCAL, type TaxiiCollection } from '../taxii/taxii.collections';
import { API_ROOT, TaxiiService } from '../taxii/taxii.service';
import type { StixExportQuery } from './stix-export.query';
import { identityToStix, indicatorToStix, sightingToStix } from '@palermo/interop';
import { BundleWriter, Seen } from './stix-bundle.stream';

/** The STIX 2.1 media type of the exported bundle. */
export const STIX_BUNDLE_MEDIA_TYPE = 'application/stix+json;version=2.1';
/**
 * Response header: objects left out because this node holds their indicator only as a pseudonym —
 * indicators changed in the window, and (for `local`) sightings of them recorded in it.
 */
export const PSEUDONYM_ONLY_HEADER = 'X-Palermo-Pseudonym-Only-Withheld';
const PAGE = 1000;

/**
 * GET /api/v1/stix/bundle: one STIX 2.1 bundle of a collection, written as it is read (keyset pages
 * of 1,000 from the store, never the whole feed in memory): this node's identity, each origin's identity
 * and each TLP marking definition the first time one is referenced, the indicators (revocations as
 * `revoked: true`, versions by `modified`), and for `local` this node's sightings.
 */
@Injectable()
export class StixExportService {
  private readonly logger = new Logger('StixExport');

  constructor(
    private readonly store: Store,
    private readonly taxii: TaxiiService,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  /** Validates the request (collection visible to the caller), then streams the bundle into `res`. */
  async stream(principal: Principal, q: StixExportQuery, res: Response): Promise<void> {
    const alias = q.collection ?? (principal.partner ?? LOCAL);
    const collection = await this.taxii.find(API_ROOT, principal, alias);
    const withheld = collection.kind === 'local' ? (await this.store.taxii.pseudonymOnlyCount(q.since)) + (await this.store.sightings.pseudonymOnlyCount(q.since)) : 0;
    res.status(200);
    res.setHeader('content-type', STIX_BUNDLE_MEDIA_TYPE);
    res.setHeader(PSEUDONYM_ONLY_HEADER, String(withheld));
    let closed = false;
    res.on('close', () => (closed = true));
    try {
      const writer = new BundleWriter(res, () => closed);
      await writer.open(`bundle--${uuidv4()}`);
      await writer.object(identityToStix({ nodeId: this.config.nodeId, jurisdiction: this.config.jurisdiction }));
      const seen = new Seen(writer, this.config.nodeId);
      await this.writeIndicators(collection, q.since, seen, writer);
      if (collection.kind === 'local') await this.writeSightings(q.since, seen, writer);
      await writer.close();
    } catch (err) {
      // Headers and part of the bundle are gone already: cut the connection so the client sees a
      // truncated (invalid) file, never a bundle that looks complete.
      this.logger.error(`STIX export of ${collection.alias} failed: ${(err as Error).stack ?? String(err)}`);
      res.destroy(err as Error);
    }
  }

  private async writeIndicators(collection: TaxiiCollection, since: string | undefined, seen: Seen, writer: BundleWriter): Promise<void> {
    let after: CollectionPosition | null = null;
    for (;;) {
      const page = await this.taxii.page(collection, { after, addedAfter: since, limit: PAGE });
      for (const entry of page.entries) {
        after = entry.position;
        if (!this.taxii.serves(collection, entry)) continue;
        await seen.origin(entry.indicator.origin);
        await seen.marking(entry.indicator.tlp);
        await writer.object(indicatorToStix(entry.indicator, entry.revoked ? { revokedAt: entry.revoked.at, reason: entry.revoked.reason } : undefined));
      }
      if (!page.more || writer.stopped()) return;
    }
  }

  private async writeSightings(since: string | undefined, seen: Seen, writer: BundleWriter): Promise<void> {
    let cursor: string | undefined;
    for (;;) {
      const page = await this.store.sightings.pageSince({ since, cursor, limit: PAGE });
      for (const sighting of page.items) {
        await seen.origin(sighting.sightedBy);
        // Marked like what it sighted: a sighting says "this node holds it".
        await seen.marking(sighting.indicatorTlp);
        await writer.object(sightingToStix({ ...sighting, tlp: sighting.indicatorTlp }));
      }
      if (!page.nextCursor || writer.stopped()) return;
      cursor = page.nextCursor;
    }
  }
}
