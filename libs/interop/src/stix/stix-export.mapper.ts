import type { WireIndicator } from '@palermo/indicators';
import { stixIdentityId, stixIndicatorId, stixSightingId } from './stix.ids';
import { tlpMarkingRef } from './stix.markings';
import { patternFor } from './stix-pattern.mapper';
import { toStixTimestamp } from './stix.timestamps';
import type { NodeIdentity, SightingForStix, StixIndicator, StixObject, StixRevocation } from './stix.types';

/**
 * `created` of derived objects that have no creation time of their own (node identities): fixed, so
 * every node writes the same identity object for the same node id.
 */
export const PALERMO_STIX_EPOCH = '2024-01-01T00:00:00.000Z';

/** Highest `count` the STIX schema allows on a sighting. */
export const MAX_STIX_SIGHTING_COUNT = 999_999_999;

/** A node as a STIX identity (organization), with `x_palermo_node_id` / `x_palermo_jurisdiction`. */
export function identityToStix(node: NodeIdentity): StixObject {
  const where = node.jurisdiction ? ` (jurisdiction ${node.jurisdiction})` : '';
  return {
    type: 'identity',
    spec_version: '2.1',
    id: stixIdentityId(node.nodeId),
    created: PALERMO_STIX_EPOCH,
    modified: PALERMO_STIX_EPOCH,
    name: node.nodeId,
    description: `Palermo node ${node.nodeId}${where}`,
    identity_class: 'organization',
    x_palermo_node_id: node.nodeId,
    ...(node.jurisdiction ? { x_palermo_jurisdiction: node.jurisdiction } : {}),
  };
}

/**
 * One version of an indicator as a STIX `indicator`. Same STIX id on every node for the same origin
 * and origin id; `created` is the time in the uuid v7, `modified` the version's modifiedAt (or, with a
 * revocation, the revocation time and `revoked: true`). What STIX lacks is kept in `x_palermo_*`.
 */
export function indicatorToStix(indicator: WireIndicator, revocation?: StixRevocation): StixIndicator {
  const modified = revocation ? revokedModified(indicator.modifiedAt, revocation.revokedAt) : toStixTimestamp(indicator.modifiedAt);
  const validUntil = indicator.validUntil ? toStixTimestamp(indicator.validUntil) : undefined;
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: stixIndicatorId(indicator.origin, indicator.id),
    created_by_ref: stixIdentityId(indicator.origin),
    created: createdOf(indicator),
    modified,
    name: indicator.value,
    ...(indicator.description ? { description: indicator.description } : {}),
    pattern: patternFor(indicator),
    pattern_type: 'stix',
    pattern_version: '2.1',
    valid_from: validFrom(indicator.firstSeen, validUntil),
    ...(validUntil ? { valid_until: validUntil } : {}),
    ...(revocation ? { revoked: true } : {}),
    confidence: indicator.confidence,
    ...(indicator.tags.length > 0 ? { labels: [...indicator.tags] } : {}),
    object_marking_refs: [tlpMarkingRef(indicator.tlp)],
    x_palermo_type: indicator.type,
    x_palermo_origin: indicator.origin,
    x_palermo_id: indicator.id,
    x_palermo_version: indicator.version,
    ...(indicator.chain ? { x_palermo_chain: indicator.chain } : {}),
    x_palermo_first_seen: toStixTimestamp(indicator.firstSeen),
    x_palermo_last_seen: toStixTimestamp(indicator.lastSeen),
    ...(revocation?.reason ? { x_palermo_revocation_reason: revocation.reason } : {}),
  };
}

/** A local sighting as a STIX `sighting` of the indicator's STIX id, seen where the sighting node is. */
export function sightingToStix(sighting: SightingForStix): StixObject {
  const createdAt = toStixTimestamp(sighting.createdAt);
  const firstSeen = toStixTimestamp(sighting.firstSeen);
  const lastSeen = toStixTimestamp(sighting.lastSeen);
  return {
    type: 'sighting',
    spec_version: '2.1',
    id: stixSightingId(sighting.id),
    created_by_ref: stixIdentityId(sighting.sightedBy),
    created: createdAt,
    modified: createdAt,
    ...(sighting.note ? { description: sighting.note } : {}),
    // The schema cannot compare them; the spec wants last_seen ≥ first_seen, so an inverted pair is swapped.
    first_seen: firstSeen <= lastSeen ? firstSeen : lastSeen,
    last_seen: firstSeen <= lastSeen ? lastSeen : firstSeen,
    count: Math.min(Math.max(Math.trunc(sighting.count), 0), MAX_STIX_SIGHTING_COUNT),
    sighting_of_ref: stixIndicatorId(sighting.indicatorOrigin, sighting.indicatorOriginId),
    where_sighted_refs: [stixIdentityId(sighting.sightedBy)],
    ...(sighting.tlp ? { object_marking_refs: [tlpMarkingRef(sighting.tlp)] } : {}),
    x_palermo_id: sighting.id,
  };
}

// A uuid v7 carries its creation time (48-bit Unix milliseconds), the same on every node. Never after
// modified: STIX wants created ≤ modified.
function createdOf(indicator: WireIndicator): string {
  const modified = toStixTimestamp(indicator.modifiedAt);
  const hex = indicator.id.replace(/-/g, '');
  if (hex[12] !== '7') return modified;
  const created = new Date(parseInt(hex.slice(0, 12), 16)).toISOString();
  return created < modified ? created : modified;
}

// A revocation must be a later version than the last one, or consumers keep the unrevoked copy.
function revokedModified(modifiedAt: string, revokedAt: string | Date): string {
  const last = Date.parse(toStixTimestamp(modifiedAt));
  const revoked = Date.parse(toStixTimestamp(revokedAt));
  return new Date(revoked > last ? revoked : last + 1).toISOString();
}

// STIX wants valid_until after valid_from; an indicator that expired before it was first seen starts 1 ms
// before it expires (firstSeen itself travels in x_palermo_first_seen).
function validFrom(firstSeen: string, validUntil: string | undefined): string {
  const from = toStixTimestamp(firstSeen);
  if (!validUntil || from < validUntil) return from;
  return new Date(Date.parse(validUntil) - 1).toISOString();
}
