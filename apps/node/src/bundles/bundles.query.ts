import { z } from 'zod';
import { NODE_ID_PATTERN } from '@palermo/indicators';

/** Query string of GET /bundles. */
export const listBundlesSchema = z
  .object({
    direction: z.enum(['in', 'out']).optional(),
    partner: z.string().regex(NODE_ID_PATTERN).optional(),
    cursor: z.string().max(512).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();
export type ListBundlesQuery = z.infer<typeof listBundlesSchema>;

/** Path parameter: a bundle hash is lower-case hex SHA-256. */
export const hashParamSchema = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex characters');
