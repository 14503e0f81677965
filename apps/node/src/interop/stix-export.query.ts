import { z } from 'zod';
import { isNodeId } from '@palermo/indicators';
import { parseStixTimestamp } from '@palermo/interop';
import { COMMUNITY, LOCAL } from '../taxii/taxii.collections';

/** Query of GET /api/v1/stix/bundle. */
export const stixExportQuerySchema = z
  .object({
    /** Only what was added after this instant (RFC 3339, UTC), like TAXII's added_after. */
    since: z
      .string()
      .refine((t) => parseStixTimestamp(t) !== undefined, 'must be an RFC 3339 UTC timestamp, e.g. 2026-11-29T10:00:00Z')
      .optional(),
    /** `local` (default for staff), `all`, or a partner node id (a partner token's default: its own). */
    collection: z
      .string()
      .refine((c) => c === LOCAL || c === COMMUNITY || isNodeId(c), 'must be local, all or a partner node id')
      .optional(),
  })
  .strict();
export type StixExportQuery = z.infer<typeof stixExportQuerySchema>;
