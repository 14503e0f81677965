import { z } from 'zod';
import { INDICATOR_TYPES } from '@palermo/indicators';

/** Query string of GET /indicators. */
export const searchQuerySchema = z
  .object({
    type: z.enum(INDICATOR_TYPES).optional(),
    value: z.string().max(4096).optional(),
    platform: z.string().max(64).optional(),
    chain: z.string().max(16).optional(),
    origin: z.string().regex(/^[a-z][a-z0-9-]{1,31}$/).optional(),
    tag: z.string().max(64).optional(),
    cursor: z.string().max(512).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();
export type SearchQuery = z.infer<typeof searchQuerySchema>;

/** Body of POST /indicators/:id/revoke. */
export const revokeBodySchema = z.object({ reason: z.string().trim().min(1).max(1024) }).strict();

/** Path parameter: indicator ids are uuids. */
export const idParamSchema = z.string().uuid();
