import { Inject, Injectable } from '@nestjs/common';
import { buildBundle, encodeIntoBundles, type BundleEntry, type EncodedBundle } from '@palermo/bundles';
import { COMMUNITY_AUDIENCE } from '@palermo/indicators';
import type { ExportPolicy } from '@palermo/policy';
import type { PendingExport } from '@palermo/store';
import { EXPORT_POLICY } from '../node/node-context';

/** Where each chain stands before this batch: the head the next bundle links to. */
export type ChainHeads = Map<string, { seq: number; hash: string } | null>;

/**
 * Step 2–3: decides per audience what each pending indicator becomes (upsert, revoke or
 * nothing) and cuts each audience's entries into linked bundles under the size limit.
 */
@Injectable()
export class ExportPlanner {
  constructor(@Inject(EXPORT_POLICY) private readonly policy: ExportPolicy) {}

  /**
   * Yields the bundles one at a time, each with the canonical bytes and hash it is signed and
   * stored with: entries are canonicalized once, and the caller can give the event loop back
   * between bundles. The chain links are made as the bundles are, so consume them in order.
   */
  *plan(publisher: string, partners: string[], pending: PendingExport[], heads: ChainHeads, maxBytes: number): Generator<EncodedBundle, void, undefined> {
    // Every partner also reads the community chain: what goes to `all` is not repeated per partner.
    const community = new Set<string>();
    for (const audience of [COMMUNITY_AUDIENCE, ...partners]) {
      const planned = this.entriesFor(audience, pending).filter(({ entry }) => !community.has(entryId(entry)));
      if (audience === COMMUNITY_AUDIENCE) planned.filter((p) => p.shared).forEach((p) => community.add(entryId(p.entry)));
      const entries = planned.map((p) => p.entry);
      if (entries.length === 0) continue;
      const head = heads.get(audience) ?? null;
      // Chunks are sized against the widest header a chain can have, so the real seq and prev
      // never overflow them; each bundle links to the one made just before it.
      yield* encodeIntoBundles(entries, maxBytes, (chunk, previous) => {
        const link = previous ? { seq: previous.bundle.seq, hash: previous.hash } : head;
        return buildBundle({ publisher, audience, seq: (link?.seq ?? 0) + 1, prev: link?.hash ?? null, entries: chunk });
      });
    }
  }

  private entriesFor(audience: string, pending: PendingExport[]): { entry: BundleEntry; shared: boolean }[] {
    const decisions = this.policy.decideExport(pending.map(({ indicator }) => ({ indicator, audience })));
    return pending.flatMap(({ indicator, revoked }, i) => {
      const shared = decisions[i].action === 'share';
      if (!revoked) return shared ? [{ entry: { op: 'upsert', indicator } as BundleEntry, shared }] : [];
      // A revocation always travels: the audience may hold an earlier version that was shareable
      // (the TLP was raised since). Where the current version is withheld, its reason stays home.
      return [{ entry: { op: 'revoke', id: indicator.id, reason: shared ? revoked.reason : WITHHELD_REVOKE_REASON } as BundleEntry, shared }];
    });
  }
}

/** The reason a revocation carries to an audience that may not see the current version. */
export const WITHHELD_REVOKE_REASON = 'revoked by the origin';

function entryId(entry: BundleEntry): string {
  return entry.op === 'upsert' ? entry.indicator.id : entry.id;
}
