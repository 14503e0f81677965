import { Inject, Injectable } from '@nestjs/common';
import { buildBundle, bundleHash, canonicalBytes, splitIntoBundles, type Bundle, type BundleEntry } from '@palermo/bundles';
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

  plan(publisher: string, partners: string[], pending: PendingExport[], heads: ChainHeads, maxBytes: number): Bundle[] {
    const bundles: Bundle[] = [];
    // Every partner also reads the community chain: what goes to `all` is not repeated per partner.
    const community = new Set<string>();
    for (const audience of [COMMUNITY_AUDIENCE, ...partners]) {
      const entries = this.entriesFor(audience, pending).filter((e) => !community.has(entryId(e)));
      if (audience === COMMUNITY_AUDIENCE) entries.forEach((e) => community.add(entryId(e)));
      if (entries.length === 0) continue;
      let head = heads.get(audience) ?? null;
      // Sized with the widest header a chain can have, so the real seq and prev never overflow it.
      const chunks = splitIntoBundles(entries, maxBytes, (chunk: BundleEntry[]) =>
        buildBundle({ publisher, audience, seq: Number.MAX_SAFE_INTEGER, prev: 'f'.repeat(64), entries: chunk }),
      );
      for (const chunk of chunks) {
        const bundle = buildBundle({ publisher, audience, seq: (head?.seq ?? 0) + 1, prev: head?.hash ?? null, entries: chunk.entries });
        head = { seq: bundle.seq, hash: hashOf(bundle) };
        bundles.push(bundle);
      }
    }
    return bundles;
  }

  private entriesFor(audience: string, pending: PendingExport[]): BundleEntry[] {
    const decisions = this.policy.decideExport(pending.map(({ indicator }) => ({ indicator, audience })));
    return pending.flatMap(({ indicator, revoked }, i): BundleEntry[] => {
      if (decisions[i].action !== 'share') return [];
      return revoked ? [{ op: 'revoke', id: indicator.id, reason: revoked.reason }] : [{ op: 'upsert', indicator }];
    });
  }
}

function entryId(entry: BundleEntry): string {
  return entry.op === 'upsert' ? entry.indicator.id : entry.id;
}

function hashOf(bundle: Bundle): string {
  return bundleHash(canonicalBytes(bundle));
}
