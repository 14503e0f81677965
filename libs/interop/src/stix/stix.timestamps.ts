// RFC 3339 in UTC, as the official schema's timestamp.json spells it (leap second 60 is refused below).
const STIX_TIMESTAMP = /^([0-9]{4}-(?:0[1-9]|1[012])-(?:0[1-9]|[12][0-9]|3[01]))T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?Z$/;

/**
 * A STIX timestamp as Date#toISOString (millisecond precision: finer digits are cut, not rounded),
 * or undefined when it is not one (wrong shape, 31 February, leap second, year outside 1000–9999).
 */
export function parseStixTimestamp(text: unknown): string | undefined {
  if (typeof text !== 'string' || text.length > 40) return undefined;
  const match = STIX_TIMESTAMP.exec(text);
  if (!match) return undefined;
  const millis = text.replace(/(\.\d{3})\d+Z$/, '$1Z');
  const time = Date.parse(millis);
  if (Number.isNaN(time)) return undefined;
  const iso = new Date(time).toISOString();
  const year = Number(iso.slice(0, 4));
  // V8 rolls 2021-02-30 over into March: the calendar date must survive the round trip.
  if (iso.slice(0, 10) !== match[1] || year < 1000 || year > 9999) return undefined;
  return iso;
}

/** A timestamp for STIX output: UTC, millisecond precision, `Z` (what the schema's timestamp_millis wants). */
export function toStixTimestamp(value: string | Date): string {
  const time = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(time)) throw new RangeError(`not a timestamp: ${JSON.stringify(String(value).slice(0, 40))}`);
  return new Date(time).toISOString();
}
