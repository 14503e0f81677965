import { v5 } from 'uuid';
import { PARTNER_ROLE, type Principal } from '../auth/roles';
import { STIX_MEDIA_TYPE } from './taxii.media';

/** The community audience: what went on this node's `all` chain. */
export const COMMUNITY = 'all';
/** Everything this node holds with a value (own and imported). */
export const LOCAL = 'local';

// Fixed forever: a collection keeps its id across restarts and versions (TAXII ids are uuids).
const COLLECTION_NAMESPACE = 'a3f0d7c2-51b4-4e8e-9d07-2f6f3c9b1e55';
const LOCAL_READERS = new Set(['analyst', 'auditor', 'admin']);

/** A TAXII collection: one per audience the caller may see. */
export interface TaxiiCollection {
  id: string;
  /** `local`, `all` or a partner node id; accepted in URLs in place of the id. */
  alias: string;
  title: string;
  description: string;
}

/** The collection id of an audience on this node (uuid v5: stable, the same for every caller). */
export function collectionId(nodeId: string, alias: string): string {
  return v5(`taxii-collection:${nodeId}:${alias}`, COLLECTION_NAMESPACE);
}

/**
 * Which collections a caller sees. Analysts, auditors and admins: `local`. Every staff role: `all`
 * and each pinned partner's audience (exactly what that partner was sent). A partner token: `all`
 * and its own audience, nothing else — not even the names of other partners.
 */
export function collectionsFor(principal: Principal, nodeId: string, partners: readonly string[]): TaxiiCollection[] {
  const make = (alias: string, title: string, description: string) => ({ id: collectionId(nodeId, alias), alias, title, description });
  const community = make(COMMUNITY, `${nodeId}: community feed`, `What ${nodeId} published on its community chain (TLP:CLEAR), in chain order.`);
  const audience = (p: string) => make(p, `${nodeId} → ${p}`, `Exactly what ${nodeId} sent to ${p}: the entries of the outbound bundles of that chain, in chain order.`);
  if (principal.role === PARTNER_ROLE) return principal.partner ? [community, audience(principal.partner)] : [community];
  const local = make(LOCAL, `${nodeId}: everything held`, `Every indicator ${nodeId} holds with a value (own and imported), current version, in commit order.`);
  return [...(LOCAL_READERS.has(principal.role) ? [local] : []), community, ...partners.map(audience)];
}

/** The TAXII collection resource (TAXII 2.1 §5.2.1): read-only, STIX 2.1. */
export function collectionResource(c: TaxiiCollection) {
  return { id: c.id, title: c.title, description: c.description, alias: c.alias, can_read: true, can_write: false, media_types: [STIX_MEDIA_TYPE] };
}
