import { z } from 'zod';
import { isNodeId } from '@palermo/indicators';
import { parseStixTimestamp, STIX_ID_PATTERN } from '@palermo/interop';
import { COMMUNITY, LOCAL } from './taxii.collections';

const STIX_TYPE = /^[a-z][a-z0-9-]{1,248}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_LIST = 100;
/** Largest page a client gets; a larger `limit` is lowered to it (TAXII 2.1 §3.4: the server may). */
export const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;

// Validated as STIX timestamps are, but passed on as written: date_added carries microseconds.
const timestamp = z.string().refine((t) => parseStixTimestamp(t) !== undefined, 'must be an RFC 3339 UTC timestamp, e.g. 2026-11-29T10:00:00.000Z');
const list = (item: z.ZodType<string, string>) =>
  z.string().max(16_384).transform((s) => s.split(',').map((v) => v.trim())).pipe(z.array(item).min(1).max(MAX_LIST));
const version = z.union([z.enum(['last', 'first', 'all']), timestamp]);

/**
 * Query parameters of objects/, manifest/, objects/{id}/ and versions/ (TAXII 2.1 §3.4, §3.5).
 * Unknown parameters and unsupported match[...] filters (match[relationship_type], a proxy's cache
 * buster) are ignored, as TAXII servers do; a malformed known one is a 400.
 */
export const taxiiQuerySchema = z.preprocess(
  flattenMatch,
  z.object({
    added_after: timestamp.optional(),
    limit: z.coerce.number().int('limit must be an integer').min(1, 'limit must be at least 1').transform((n) => Math.min(n, MAX_PAGE)).default(DEFAULT_PAGE),
    next: z.string().min(1).max(512).optional(),
    'match[id]': list(z.string().regex(STIX_ID_PATTERN, 'must be a STIX id (type--uuid)')).optional(),
    'match[type]': list(z.string().regex(STIX_TYPE, 'must be a STIX type')).optional(),
    'match[version]': list(version).optional(),
    'match[spec_version]': list(z.string().regex(/^\d\.\d$/, 'must be a STIX spec version, e.g. 2.1')).optional(),
  }),
);
export type TaxiiQuery = z.infer<typeof taxiiQuerySchema>;

/** A collection id (uuid) or alias (`local`, `all`, a node id) in a URL. */
export const collectionParamSchema = z.string().refine((c) => UUID.test(c) || c === LOCAL || c === COMMUNITY || isNodeId(c), 'unknown collection');
/** A STIX id in a URL. */
export const objectIdParamSchema = z.string().regex(STIX_ID_PATTERN, 'must be a STIX id (type--uuid)');

// Express's query parser may give `match[type]` as a nested object ({match: {type}}) or keep the
// bracketed key; a repeated parameter arrives as an array. Both mean the same comma list.
function flattenMatch(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object') return raw;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (key === 'match' && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [field, v] of Object.entries(value as Record<string, unknown>)) out[`match[${field}]`] = joined(v);
    } else out[key] = joined(value);
  }
  return out;
}

function joined(value: unknown): unknown {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value.join(',') : value;
}
