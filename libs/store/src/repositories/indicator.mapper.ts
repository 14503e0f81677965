import type { IndicatorType, Tlp, WireIndicator } from '@palermo/indicators';
import type { IndicatorEntity } from '../entities/indicator.entity';
import type { IndicatorRecord } from '../store.types';

/** An indicator row as the public record (dates as ISO strings). */
export function toIndicatorRecord(row: IndicatorEntity): IndicatorRecord {
  return {
    id: row.originId,
    origin: row.originNode,
    own: row.own,
    type: row.type as IndicatorType,
    value: row.value,
    pseudonym: row.pseudonym,
    platform: row.platform,
    chain: row.chain,
    tlp: row.tlp as Tlp,
    confidence: row.confidence,
    tags: row.tags,
    firstSeen: row.firstSeen.toISOString(),
    lastSeen: row.lastSeen.toISOString(),
    validUntil: row.validUntil ? row.validUntil.toISOString() : null,
    description: row.description,
    version: row.version,
    modifiedAt: row.modifiedAt.toISOString(),
    revokedAt: row.revokedAt ? row.revokedAt.toISOString() : null,
    revokeReason: row.revokeReason,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * An own indicator as it goes on the wire. Optional fields are left out rather than null, so
 * that canonical bytes do not depend on how the database spells "absent".
 */
export function toWireIndicator(row: IndicatorEntity): WireIndicator {
  if (row.value === null) {
    // Own indicators are never pseudonymized; a null here is a broken invariant, not input.
    throw new Error(`own indicator ${row.originId} has no value`);
  }
  const wire: WireIndicator = {
    id: row.originId,
    origin: row.originNode,
    version: row.version,
    type: row.type as IndicatorType,
    value: row.value,
    tlp: row.tlp as Tlp,
    confidence: row.confidence,
    tags: row.tags,
    firstSeen: row.firstSeen.toISOString(),
    lastSeen: row.lastSeen.toISOString(),
    validUntil: row.validUntil ? row.validUntil.toISOString() : null,
    modifiedAt: row.modifiedAt.toISOString(),
  };
  if (row.platform !== null) wire.platform = row.platform;
  if (row.chain !== null) wire.chain = row.chain;
  if (row.description !== null) wire.description = row.description;
  return wire;
}
