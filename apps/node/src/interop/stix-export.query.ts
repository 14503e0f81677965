import { z } from 'zod';

/** Query of GET /api/v1/stix/bundle. */
export const stixExportQuerySchema = z
  .object({
    /** Only what was added after this instant (RFC 3339, UTC), like TAXII's added_after. */
    since: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/, 'must be an RFC 3339 UTC timestamp, e.g. 2026-11-29T10:00:00Z')
      .refine((t) => !Number.isNaN(Date.parse(t)), 'is not a real date')
      .optional(),
    /** `local` (default for staff), `all`, or a partner node id (a partner token's default: its own). */
    collection: z.string().regex(/^[a-z][a-z0-9-]{1,31}$/, 'must be local, all or a partner node id').optional(),
  })
  .strict();
export type StixExportQuery = z.infer<typeof stixExportQuerySchema>;
