import type { IndicatorType, Tlp, WireIndicator } from '@palermo/indicators';
import type { IndicatorEntity } from '../entities/indicator.entity';
import { toIso } from '../sql.helper';
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
    expiresAt: row.expiresAt ? row.expiresAt.toISOString() : null,
    relayedBy: row.relayedBy ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * An own indicator row as `pendingExport` reads it: plain snake_case columns, no entity. Dates
 * come as strings from node-postgres (MikroORM's type parsers) and as Dates from PGlite.
 */
export interface WireIndicatorRow {
  origin_id: string;
  origin_node: string;
  version: number;
  type: string;
  value: string | null;
  platform: string | null;
  chain: string | null;
  tlp: string;
  confidence: number;
  tags: string[];
  first_seen: Date | string;
  last_seen: Date | string;
  valid_until: Date | string | null;
  description: string | null;
  modified_at: Date | string;
}

/**
 * An own indicator as it goes on the wire. Optional fields are left out rather than null, so
 * that canonical bytes do not depend on how the database spells "absent". Keys are set in the
 * same order as ever (canonical JSON sorts them anyway).
 */
export function toWireIndicator(row: WireIndicatorRow): WireIndicator {
  if (row.value === null) {
    // Own indicators are never pseudonymized; a null here is a broken invariant, not input.
    throw new Error(`own indicator ${row.origin_id} has no value`);
  }
  const wire: WireIndicator = {
    id: row.origin_id,
    origin: row.origin_node,
    version: row.version,
    type: row.type as IndicatorType,
    value: row.value,
    tlp: row.tlp as Tlp,
    confidence: row.confidence,
    tags: row.tags,
    firstSeen: wireDate(row.first_seen),
    lastSeen: wireDate(row.last_seen),
    validUntil: row.valid_until === null ? null : wireDate(row.valid_until),
    modifiedAt: wireDate(row.modified_at),
  };
  if (row.platform !== null) wire.platform = row.platform;
  if (row.chain !== null) wire.chain = row.chain;
  if (row.description !== null) wire.description = row.description;
  return wire;
}

// PostgreSQL's text form of a timestamptz in a UTC session (DateStyle ISO): fraction digits
// trimmed, none at all on a whole second. Any other shape (offset, BC, a year outside
// 1000–9999, where toIso differs: V8 reads "0099-…" as 1999) goes through toIso, as before.
const PG_UTC_TIMESTAMP = /^([1-9]\d{3}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?\+00$/;

/**
 * toIso, without V8's legacy date parser for PostgreSQL's text form (~1 µs a call; the exporter
 * makes four per row). Milliseconds are truncated like Date does, so the result is identical.
 */
export function wireDate(value: Date | string): string {
  if (typeof value === 'string') {
    const match = PG_UTC_TIMESTAMP.exec(value);
    if (match) return `${match[1]}T${match[2]}.${(match[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
  }
  return toIso(value);
}
