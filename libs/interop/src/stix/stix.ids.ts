import { v4, v5 } from 'uuid';

/**
 * Namespace of every STIX id Palermo derives (uuid v5). Fixed forever: changing it renames every
 * exported object. STIX ids need uuid v1–v5; Palermo ids are v7, so they are hashed into v5 names.
 */
export const PALERMO_STIX_NAMESPACE = '67d3d283-bf64-4c6a-bbc0-8d5db84ea723';

/** STIX id shape (type, "--", uuid v1–v5), as the official schema's identifier.json spells it. */
export const STIX_ID_PATTERN = /^[a-z][a-z0-9-]+[a-z0-9]--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$/;

/** The STIX id of an indicator: the same on every node for the same (origin, origin id), across versions. */
export function stixIndicatorId(origin: string, originId: string): string {
  return `indicator--${v5(`indicator:${origin}:${originId}`, PALERMO_STIX_NAMESPACE)}`;
}

/** The STIX identity id of a Palermo node. */
export function stixIdentityId(nodeId: string): string {
  return `identity--${v5(`node:${nodeId}`, PALERMO_STIX_NAMESPACE)}`;
}

/** The STIX id of a sighting recorded by Palermo. */
export function stixSightingId(sightingId: string): string {
  return `sighting--${v5(`sighting:${sightingId}`, PALERMO_STIX_NAMESPACE)}`;
}

/** A fresh bundle id (`bundle--<uuid v4>`): bundles are containers, not versioned objects. */
export function newStixBundleId(): string {
  return `bundle--${v4()}`;
}

/** True when `id` is a well-formed STIX id, optionally of `type`. */
export function isStixId(id: unknown, type?: string): id is string {
  return typeof id === 'string' && STIX_ID_PATTERN.test(id) && (type === undefined || id.startsWith(`${type}--`));
}
