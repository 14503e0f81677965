import { v5 } from 'uuid';
import { isNodeId } from '@palermo/indicators';
import { INDICATOR_READERS, PARTNER_ROLE, type Principal } from '../auth/roles';
import { STIX_MEDIA_TYPE } from './taxii.media';

/** The community audience: what went on this node's `all` chain. */
export const COMMUNITY = 'all';
/** Everything this node holds with a value (own and imported). */
export const LOCAL = 'local';

// Fixed forever: a collection keeps its id across restarts and versions (TAXII ids are uuids).
const COLLECTION_NAMESPACE = 'a3f0d7c2-51b4-4e8e-9d07-2f6f3c9b1e55';
const LOCAL_READERS: ReadonlySet<string> = new Set(INDICATOR_READERS);

/** Where a collection's entries come from: the node's indicators, the community chain, or one partner chain. */
export type CollectionKind = 'local' | 'community' | 'audience';

/** A TAXII collection: one per audience the caller may see. Built only by `collectionsFor`. */
export interface TaxiiCollection {
  id: string;
  /** The data source; never decided from the alias (a partner could be named like a collection). */
  kind: CollectionKind;
  /** `local`, `all` or a partner node id; accepted in URLs in place of the id. */
  alias: string;
  title: string;
  description: string;
  /**
   * Leave out TLP:AMBER+STRICT and TLP:RED entries: set for partner tokens, because the federation
   * sends those only encrypted to the partner's key and a bearer token must not unlock them in clear.
   */
  withholdRestricted: boolean;
}

/**
 * The collection id of an audience on this node (uuid v5: stable, the same for every caller). A
 * partner audience is named with its kind, so no partner id can ever give the id of `local` or `all`.
 */
export function collectionId(nodeId: string, kind: CollectionKind, alias: string): string {
  return v5(kind === 'audience' ? `taxii-collection:${nodeId}:audience:${alias}` : `taxii-collection:${nodeId}:${alias}`, COLLECTION_NAMESPACE);
}

/**
 * Which collections a caller sees. Indicator readers (analyst, policy officer, auditor): `local`.
 * Every staff role: `all` and each pinned partner's audience (exactly what that partner was sent). A
 * partner token: `all` and its own audience, nothing else — not even the names of other partners.
 * Partner ids that are not valid node ids (`local`, `all`, rows from before they were reserved) get
 * no collection.
 */
export function collectionsFor(principal: Principal, nodeId: string, partners: readonly string[]): TaxiiCollection[] {
  const withholdRestricted = principal.role === PARTNER_ROLE;
  const make = (kind: CollectionKind, alias: string, title: string, description: string): TaxiiCollection => ({ id: collectionId(nodeId, kind, alias), kind, alias, title, description, withholdRestricted });
  const community = make('community', COMMUNITY, `${nodeId}: community feed`, `What ${nodeId} published on its community chain (TLP:CLEAR), in chain order.`);
  const audience = (p: string) => make('audience', p, `${nodeId} → ${p}`, `Exactly what ${nodeId} sent to ${p}: the entries of the outbound bundles of that chain, in chain order.`);
  if (principal.role === PARTNER_ROLE) return principal.partner && isNodeId(principal.partner) ? [community, audience(principal.partner)] : [community];
  const local = make('local', LOCAL, `${nodeId}: everything held`, `Every indicator ${nodeId} holds with a value (own and imported), current version, in commit order.`);
  return [...(LOCAL_READERS.has(principal.role) ? [local] : []), community, ...partners.filter(isNodeId).map(audience)];
}

/** The TAXII collection resource (TAXII 2.1 §5.2.1): read-only, STIX 2.1. */
export function collectionResource(c: TaxiiCollection) {
  return { id: c.id, title: c.title, description: c.description, alias: c.alias, can_read: true, can_write: false, media_types: [STIX_MEDIA_TYPE] };
}
