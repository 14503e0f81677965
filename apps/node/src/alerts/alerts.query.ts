import { z } from 'zod';
import { INDICATOR_TYPES, NODE_ID_PATTERN } from '@palermo/indicators';

/** GET /alerts: filters and cursor paging, newest alert first. */
export const alertQuerySchema = z
  .strictObject({
    /** Indicator type of the alert (phone, email, image-hash, …). */
    type: z.enum(INDICATOR_TYPES).optional().meta({ description: 'Indicator type' }),
    /** exact (same normalized value), pseudonym (same keyed pseudonym) or near (image hashes within the threshold). */
    kind: z.enum(['exact', 'pseudonym', 'near']).optional().meta({ description: 'exact, pseudonym or near' }),
    /** The origin node of one of the sources. */
    origin: z.string().regex(NODE_ID_PATTERN).optional().meta({ description: 'Origin node of a source' }),
    /** A node that is the origin or the sender of one of the sources. */
    node: z.string().regex(NODE_ID_PATTERN).optional().meta({ description: 'Origin or sending node of a source' }),
    /** Alerts changed at or after this instant (ISO 8601 with offset). */
    since: z.iso.datetime({ offset: true }).optional().meta({ description: 'Changed at or after (ISO 8601)' }),
    /** Only alerts with at least this many active sources. */
    minSources: z.coerce.number().int().min(0).max(1_000_000).optional().meta({ description: 'At least this many active sources' }),
    /** open or acknowledged. */
    state: z.enum(['open', 'acknowledged']).optional().meta({ description: 'open or acknowledged' }),
    /** `nextCursor` of the previous page. */
    cursor: z.string().max(200).optional(),
    /** 1–1000, default 100. */
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .meta({ title: 'AlertQuery' });
export type AlertQuery = z.output<typeof alertQuerySchema>;

/** Path parameter: alert ids are uuids. */
export const alertIdParamSchema = z.uuid();
