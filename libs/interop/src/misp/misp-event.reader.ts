import { DomainError } from '@palermo/indicators';
import { asArray } from './misp-marking.mapper';
import type { MispEventSummary } from './misp.types';

/** A JSON object as parsed (keys untrusted). */
export type JsonObject = Record<string, unknown>;

/** One attribute to map, with the object it sits in (if any). */
export interface RawAttribute {
  attribute: unknown;
  object?: JsonObject;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const UNIX_SECONDS = /^\d{1,11}$/;

/** True for an RFC 4122 uuid in text form (any version: MISP mints v4, older instances others). */
export function isMispUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** True for a non-null, non-array object. */
export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The event inside `{"Event": {...}}` or a bare event (the two shapes MISP exports). A search
 * result (`{"response": [...]}`) or an array holds several events: one event per import.
 */
export function unwrapEvent(json: unknown): JsonObject {
  if (Array.isArray(json) || (isObject(json) && Array.isArray(json['response']))) {
    throw new DomainError('MISP_MALFORMED', 'this is a list of MISP events; import one event (a {"Event": {…}} document) at a time');
  }
  if (!isObject(json)) throw new DomainError('MISP_MALFORMED', 'a MISP event is a JSON object ({"Event": {…}} or the bare event)');
  const event = 'Event' in json ? json['Event'] : json;
  if (!isObject(event)) throw new DomainError('MISP_MALFORMED', '"Event" must be an object');
  if (!isMispUuid(event['uuid'])) throw new DomainError('MISP_MALFORMED', 'the event has no uuid (MISP core format: uuid MUST be present)');
  return event;
}

/** Provenance of the event: uuid, info (cut to 256), date (or null), creating organisation. */
export function readSummary(event: JsonObject): MispEventSummary {
  const info = typeof event['info'] === 'string' ? event['info'].slice(0, 256) : '';
  const rawDate = event['date'];
  const date = typeof rawDate === 'string' && DATE.test(rawDate) && !Number.isNaN(Date.parse(rawDate)) ? rawDate : null;
  const summary: MispEventSummary = { uuid: (event['uuid'] as string).toLowerCase(), info, date };
  const orgc = event['Orgc'];
  if (isObject(orgc)) {
    const org: { uuid?: string; name?: string } = {};
    if (isMispUuid(orgc['uuid'])) org.uuid = orgc['uuid'].toLowerCase();
    if (typeof orgc['name'] === 'string') org.name = orgc['name'].slice(0, 256);
    if (org.uuid !== undefined || org.name !== undefined) summary.orgc = org;
  }
  return summary;
}

/**
 * Every attribute of the event, top-level ones first, then those of each object in order. Refuses
 * more than `max` before mapping any (the mapping of each one costs a normalization).
 */
export function collectAttributes(event: JsonObject, max: number): RawAttribute[] {
  const out: RawAttribute[] = asArray(event['Attribute']).map((attribute) => ({ attribute }));
  for (const object of asArray(event['Object'])) {
    if (!isObject(object)) continue;
    for (const attribute of asArray(object['Attribute'])) out.push({ attribute, object });
    if (out.length > max) break;
  }
  if (out.length > max) {
    throw new DomainError('MISP_TOO_MANY_ATTRIBUTES', `the event holds more than ${max} attributes; split it or raise the limit`);
  }
  return out;
}

/** A MISP boolean: true, 1 or "1" (MISP exports both JSON booleans and the strings of older versions). */
export function mispFlag(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 'true';
}

/** A MISP unix timestamp (seconds, as string or number) as ISO 8601 UTC, or null. */
export function mispTimestamp(value: unknown): string | null {
  const text = typeof value === 'number' && Number.isInteger(value) ? String(value) : value;
  if (typeof text !== 'string' || !UNIX_SECONDS.test(text)) return null;
  return new Date(Number(text) * 1000).toISOString();
}

/** A first_seen/last_seen value: a non-empty string, else undefined (MISP writes null when unset). */
export function seenValue(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
