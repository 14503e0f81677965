// SHIM until wt-stix is merged: the names and signatures of @palermo/interop's STIX mapping (the stix
// helper's libs/interop/src/stix), reduced to what the TAXII API and the STIX export call. The ids use
// the same namespace and names as the real stixIndicatorId/stixIdentityId, so nothing a client stored
// changes at the swap. At merge: delete this file and import these names from '@palermo/interop'.
import { TLP_LEVELS, type Tlp, type WireIndicator } from '@palermo/indicators';
import { v5 } from 'uuid';

export type StixObject = Record<string, unknown> & { type: string; id: string };
export interface StixRevocation {
  revokedAt: string | Date;
  reason?: string;
}
export interface SightingForStix {
  id: string;
  indicatorOrigin: string;
  indicatorOriginId: string;
  sightedBy: string;
  count: number;
  firstSeen: string | Date;
  lastSeen: string | Date;
  note?: string | null;
  createdAt: string | Date;
  tlp?: Tlp;
}

const NS = '67d3d283-bf64-4c6a-bbc0-8d5db84ea723';
const EPOCH = '2024-01-01T00:00:00.000Z';
const TLP_IDS: Record<Tlp, string> = {
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'amber+strict': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
};
const TLP_EXTENSION = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d';

export const stixIndicatorId = (origin: string, originId: string) => `indicator--${v5(`indicator:${origin}:${originId}`, NS)}`;
export const stixIdentityId = (nodeId: string) => `identity--${v5(`node:${nodeId}`, NS)}`;
export const stixSightingId = (sightingId: string) => `sighting--${v5(`sighting:${sightingId}`, NS)}`;
export const tlpMarkingRef = (tlp: Tlp) => TLP_IDS[tlp];

export const TLP_MARKING_DEFINITIONS: Readonly<Record<Tlp, StixObject>> = Object.fromEntries(
  TLP_LEVELS.map((tlp) => [
    tlp,
    {
      type: 'marking-definition',
      spec_version: '2.1',
      id: TLP_IDS[tlp],
      created: '2022-10-01T00:00:00.000Z',
      name: `TLP:${tlp.toUpperCase()}`,
      extensions: { [TLP_EXTENSION]: { extension_type: 'property-extension', tlp_2_0: tlp } },
    },
  ]),
) as unknown as Record<Tlp, StixObject>;

export function identityToStix(node: { nodeId: string; jurisdiction?: string }): StixObject {
  return {
    type: 'identity',
    spec_version: '2.1',
    id: stixIdentityId(node.nodeId),
    created: EPOCH,
    modified: EPOCH,
    name: node.nodeId,
    identity_class: 'organization',
    x_palermo_node_id: node.nodeId,
    ...(node.jurisdiction ? { x_palermo_jurisdiction: node.jurisdiction } : {}),
  };
}

const quote = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const PATTERNS: Record<string, (i: WireIndicator) => string> = {
  email: (i) => `[email-addr:value = ${quote(i.value)}]`,
  url: (i) => `[url:value = ${quote(i.value)}]`,
  domain: (i) => `[domain-name:value = ${quote(i.value)}]`,
  ip: (i) => `[${i.value.includes(':') ? 'ipv6-addr' : 'ipv4-addr'}:value = ${quote(i.value)}]`,
  'file-sha256': (i) => `[file:hashes.'SHA-256' = ${quote(i.value)}]`,
  username: (i) => `[user-account:account_login = ${quote(i.value)}${i.platform ? ` AND user-account:x_palermo_platform = ${quote(i.platform)}` : ''}]`,
};

export function indicatorToStix(indicator: WireIndicator, revocation?: StixRevocation): StixObject {
  const modified = revocation ? laterThan(indicator.modifiedAt, revocation.revokedAt) : indicator.modifiedAt;
  const pattern = (PATTERNS[indicator.type] ?? ((i: WireIndicator) => `[x-palermo-${i.type}:value = ${quote(i.value)}]`))(indicator);
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: stixIndicatorId(indicator.origin, indicator.id),
    created_by_ref: stixIdentityId(indicator.origin),
    created: indicator.modifiedAt < modified ? indicator.modifiedAt : modified,
    modified,
    name: indicator.value,
    ...(indicator.description ? { description: indicator.description } : {}),
    pattern,
    pattern_type: 'stix',
    pattern_version: '2.1',
    valid_from: indicator.firstSeen,
    ...(indicator.validUntil && indicator.validUntil > indicator.firstSeen ? { valid_until: indicator.validUntil } : {}),
    ...(revocation ? { revoked: true } : {}),
    confidence: indicator.confidence,
    ...(indicator.tags.length > 0 ? { labels: [...indicator.tags] } : {}),
    object_marking_refs: [tlpMarkingRef(indicator.tlp)],
    x_palermo_type: indicator.type,
    x_palermo_origin: indicator.origin,
    x_palermo_id: indicator.id,
    x_palermo_version: indicator.version,
  };
}

export function sightingToStix(s: SightingForStix): StixObject {
  const iso = (v: string | Date) => new Date(v).toISOString();
  return {
    type: 'sighting',
    spec_version: '2.1',
    id: stixSightingId(s.id),
    created_by_ref: stixIdentityId(s.sightedBy),
    created: iso(s.createdAt),
    modified: iso(s.createdAt),
    first_seen: iso(s.firstSeen),
    last_seen: iso(s.lastSeen),
    count: s.count,
    sighting_of_ref: stixIndicatorId(s.indicatorOrigin, s.indicatorOriginId),
    where_sighted_refs: [stixIdentityId(s.sightedBy)],
    ...(s.tlp ? { object_marking_refs: [tlpMarkingRef(s.tlp)] } : {}),
  };
}

function laterThan(modifiedAt: string, revokedAt: string | Date): string {
  const last = Date.parse(modifiedAt);
  const revoked = new Date(revokedAt).getTime();
  return new Date(revoked > last ? revoked : last + 1).toISOString();
}
