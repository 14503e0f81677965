import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@palermo/indicators';
import { Store, type CollectionEntry, type CollectionPage, type CollectionPageQuery, type CollectionPosition } from '@palermo/store';
import { PARTNER_ROLE, type Principal } from '../auth/roles';
import { indicatorToStix, stixIndicatorId, type StixObject } from '@palermo/interop';
import { NODE_CONFIG, type NodeConfig } from '../node/node-context';
import { collectionResource, collectionsFor, type TaxiiCollection } from './taxii.collections';
import { isRestrictedTlp, partnerAccessProblem } from './taxii.partner-access';
import { decodeNext, encodeNext } from './taxii.cursor';
import type { TaxiiAnswer } from './taxii.interceptor';
import { STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE } from './taxii.media';
import type { TaxiiQuery } from './taxii.query';

/** The one API root of a node. */
export const API_ROOT = 'palermo';
// A filtered read (match[id], match[version]) scans at most this many entries per request, then hands
// out `next` with fewer objects than `limit` (TAXII 2.1 §3.4 lets a server return fewer).
const SCAN_BATCH = 1000;
const SCAN_ROUNDS = 20;

interface Selected {
  entry: CollectionEntry;
  stix: StixObject;
}
interface Selection {
  items: Selected[];
  more: boolean;
  next?: string;
}

/** TAXII 2.1 read API over this node's collections (one per audience the caller may see). */
@Injectable()
export class TaxiiService {
  constructor(
    private readonly store: Store,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  /** Server discovery (TAXII 2.1 §4.1): this node's one API root, at PALERMO_PUBLIC_URL when set. */
  discovery(requestBase: string): TaxiiAnswer {
    const root = `${this.config.publicUrl ?? requestBase}/taxii2/${API_ROOT}/`;
    return { body: { title: `Palermo node ${this.config.nodeId}`, description: `Indicators of online human trafficking shared through Palermo node ${this.config.nodeId} (${this.config.jurisdiction}); read-only.`, default: root, api_roots: [root] } };
  }

  /** API root information (TAXII 2.1 §4.2); read-only, so no request body is ever accepted. */
  apiRoot(root: string): TaxiiAnswer {
    this.checkRoot(root);
    return { body: { title: `Palermo ${this.config.nodeId}`, description: 'Collections per audience: local, the community chain, and each partner chain.', versions: [TAXII_MEDIA_TYPE], max_content_length: 0 } };
  }

  /** The collections this caller may see (TAXII 2.1 §5.1). */
  async collections(root: string, principal: Principal): Promise<TaxiiAnswer> {
    this.checkRoot(root);
    return { body: { collections: (await this.visible(principal)).map(collectionResource) } };
  }

  /** One collection (TAXII 2.1 §5.2); 404 when it does not exist or the caller may not see it. */
  async collection(root: string, principal: Principal, id: string): Promise<TaxiiAnswer> {
    return { body: collectionResource(await this.find(root, principal, id)) };
  }

  /** Objects of a collection (TAXII 2.1 §5.4): an envelope, paged with `next`, in commit/chain order. */
  async objects(root: string, principal: Principal, id: string, q: TaxiiQuery): Promise<TaxiiAnswer> {
    const selection = await this.select(await this.find(root, principal, id), q, 'last');
    return envelope(selection, { objects: selection.items.map((s) => s.stix) });
  }

  /** The manifest of a collection (TAXII 2.1 §5.3): what objects() would give, without the objects. */
  async manifest(root: string, principal: Principal, id: string, q: TaxiiQuery): Promise<TaxiiAnswer> {
    const selection = await this.select(await this.find(root, principal, id), q, 'last');
    const objects = selection.items.map((s) => ({ id: s.stix.id, date_added: s.entry.addedAt, version: s.stix.modified, media_type: STIX_MEDIA_TYPE }));
    return envelope(selection, { objects });
  }

  /** One object (TAXII 2.1 §5.5), by default its last version; 404 when the collection has none. */
  async object(root: string, principal: Principal, id: string, objectId: string, q: TaxiiQuery): Promise<TaxiiAnswer> {
    const selection = await this.select(await this.find(root, principal, id), { ...q, 'match[id]': [objectId] }, 'last');
    if (selection.items.length === 0 && !selection.more) throw notFound(objectId);
    return envelope(selection, { objects: selection.items.map((s) => s.stix) });
  }

  /** The versions of one object (TAXII 2.1 §5.7): `modified` of each, all by default. */
  async versions(root: string, principal: Principal, id: string, objectId: string, q: TaxiiQuery): Promise<TaxiiAnswer> {
    const selection = await this.select(await this.find(root, principal, id), { ...q, 'match[id]': [objectId] }, 'all');
    if (selection.items.length === 0 && !selection.more) throw notFound(objectId);
    return envelope(selection, { versions: selection.items.map((s) => s.stix.modified as string) });
  }

  /** Any other path under /taxii2/: this server is read-only and has no status resources. */
  notFound(): never {
    throw new DomainError('ROUTE_NOT_FOUND', 'no such TAXII resource on this read-only server (no status/, no POST)');
  }

  /** The collection `id` (uuid or alias) as this caller may see it; used by the STIX export too. */
  async find(root: string, principal: Principal, id: string): Promise<TaxiiCollection> {
    this.checkRoot(root);
    const found = (await this.visible(principal)).find((c) => c.id === id || c.alias === id);
    if (!found) throw new DomainError('COLLECTION_NOT_FOUND', `no collection ${id} that this token may read`);
    return found;
  }

  /** One page of a collection's entries, straight from the store. */
  page(collection: TaxiiCollection, q: CollectionPageQuery): Promise<CollectionPage> {
    return collection.kind === 'local' ? this.store.taxii.localPage(q) : this.store.taxii.audiencePage(this.config.nodeId, collection.alias, q);
  }

  /** Whether an entry of this collection may be served to its reader (restricted TLP never to a partner token). */
  serves(collection: TaxiiCollection, entry: CollectionEntry): boolean {
    return !(collection.withholdRestricted && isRestrictedTlp(entry.indicator.tlp));
  }

  private lookup(collection: TaxiiCollection, ids: string[], q: CollectionPageQuery): Promise<CollectionPage> {
    return collection.kind === 'local'
      ? this.store.taxii.localByStixIds(ids, stixIndicatorId, q)
      : this.store.taxii.audienceByStixIds(this.config.nodeId, collection.alias, ids, stixIndicatorId, q);
  }

  private async visible(principal: Principal): Promise<TaxiiCollection[]> {
    if (principal.role === PARTNER_ROLE) await this.checkPartner(principal);
    const partners = principal.partner === null ? (await this.store.partners.list()).map((p) => p.nodeId) : [];
    return collectionsFor(principal, this.config.nodeId, partners);
  }

  // Checked on every read, not at token creation: agreements end and partners are unpinned after.
  private async checkPartner(principal: Principal): Promise<void> {
    const partner = principal.partner;
    const pinned = partner !== null && (await this.store.partners.get(partner)) !== null;
    const agreement = pinned ? await this.store.agreements.activeFor(partner) : null;
    const problem = partnerAccessProblem(partner, pinned, agreement, new Date());
    if (problem === null) return;
    // GETs pass no audit interceptor; a refused partner read is a security event an auditor wants to see.
    await this.store.audit.append({
      actor: { tokenId: principal.tokenId, name: principal.name },
      action: 'api.refused',
      subjectType: 'token',
      subjectId: principal.tokenId,
      details: { role: principal.role, partner, status: 403, reason: problem },
    });
    throw new DomainError('AUTH_FORBIDDEN', `this partner token may not read now: ${problem}`);
  }

  private checkRoot(root: string): void {
    if (root !== API_ROOT) throw new DomainError('API_ROOT_NOT_FOUND', `no API root ${root.slice(0, 64)} (this node serves /taxii2/${API_ROOT}/)`);
  }

  /**
   * Walks the collection from `next` (or its start) and keeps what the match[] filters select, up to
   * `limit` objects; `next` then points after the last entry examined, so every entry is examined once.
   */
  private async select(collection: TaxiiCollection, q: TaxiiQuery, defaultVersion: string): Promise<Selection> {
    let after: CollectionPosition | null = q.next ? decodeNext(collection.id, q.next) : null;
    if (q['match[type]'] && !q['match[type]'].includes('indicator')) return { items: [], more: false };
    if (q['match[spec_version]'] && !q['match[spec_version]'].includes('2.1')) return { items: [], more: false };
    const ids = q['match[id]'] ? new Set(q['match[id]']) : null;
    const versions = q['match[version]'] ?? [defaultVersion];
    const filtered = ids !== null || !versions.includes('all');
    const items: Selected[] = [];
    // match[id] is a lookup (an id map, then the rows or chain entries of those indicators), never a scan.
    const lookup = ids !== null;
    for (let round = 0; round < SCAN_ROUNDS; round++) {
      const pageQuery = { after, addedAfter: q.added_after, limit: filtered && !lookup ? SCAN_BATCH : q.limit - items.length };
      const page = lookup ? await this.lookup(collection, [...ids], pageQuery) : await this.page(collection, pageQuery);
      const keep = await this.versionFilter(collection, page.entries, versions);
      for (const entry of page.entries) {
        if (items.length === q.limit) return { items, more: true, next: encodeNext(collection.id, after!) };
        after = entry.position;
        const stix = indicatorToStix(entry.indicator, entry.revoked ? { revokedAt: entry.revoked.at, reason: entry.revoked.reason } : undefined);
        if ((ids === null || ids.has(stix.id)) && this.serves(collection, entry) && keep(entry, stix)) items.push({ entry, stix });
      }
      if (!page.more) return { items, more: false };
      if (items.length === q.limit) return { items, more: true, next: encodeNext(collection.id, after!) };
    }
    return { items, more: true, next: encodeNext(collection.id, after!) };
  }

  /**
   * match[version]: `local` holds one (the current) version per object, so first, last and all are the
   * same; an audience chain holds every version it was sent, and first/last are decided along the chain.
   */
  private async versionFilter(collection: TaxiiCollection, entries: CollectionEntry[], versions: string[]) {
    const at = new Set(versions.filter((v) => v !== 'first' && v !== 'last' && v !== 'all').map((v) => Date.parse(v)));
    const byTime = (stix: StixObject) => at.has(Date.parse(stix.modified as string));
    if (versions.includes('all')) return () => true;
    if (collection.kind === 'local') return (_: CollectionEntry, stix: StixObject) => versions.includes('first') || versions.includes('last') || byTime(stix);
    const bounds = await this.store.taxii.audienceVersionBounds(this.config.nodeId, collection.alias, entries.map((e) => e.indicator.id));
    return (entry: CollectionEntry, stix: StixObject) => {
      const b = bounds.get(entry.indicator.id);
      const pos = entry.position.kind === 'audience' ? entry.position : null;
      const is = (p: { seq: number; index: number } | undefined) => !b || !pos || (p?.seq === pos.seq && p.index === pos.index);
      return (versions.includes('first') && is(b?.first)) || (versions.includes('last') && is(b?.last)) || byTime(stix);
    };
  }
}

function envelope(selection: Selection, payload: { objects: object[] } | { versions: string[] }): TaxiiAnswer {
  const list = 'objects' in payload ? payload.objects : payload.versions;
  const body = { more: selection.more, ...(selection.next ? { next: selection.next } : {}), ...(list.length > 0 ? payload : {}) };
  const first = selection.items[0];
  const last = selection.items[selection.items.length - 1];
  const headers: Record<string, string> = first && last ? { 'X-TAXII-Date-Added-First': first.entry.addedAt, 'X-TAXII-Date-Added-Last': last.entry.addedAt } : {};
  return { body, headers };
}

function notFound(objectId: string): DomainError {
  return new DomainError('OBJECT_NOT_FOUND', `no object ${objectId} in this collection`);
}

