import { z } from 'zod';
import { revokeReasonSchema } from '@palermo/bundles';
import { CRYPTO_CHAINS, hasLoneSurrogate, INDICATOR_TYPES, NODE_ID_PATTERN, PLATFORM_PATTERN, TAG_PATTERN } from '@palermo/indicators';

const SEARCH_INCLUDES = ['revoked', 'expired', 'history'] as const;

/** Query string of GET /indicators. */
export const searchQuerySchema = z
  .object({
    type: z.enum(INDICATOR_TYPES).optional(),
    value: z.string().max(4096).optional(),
    platform: z.string().trim().toLowerCase().regex(PLATFORM_PATTERN, 'not a platform name').optional(),
    chain: z.enum(CRYPTO_CHAINS).optional(),
    origin: z.string().regex(NODE_ID_PATTERN).optional(),
    tag: z.string().regex(TAG_PATTERN, 'tags are lower-case: letters, digits and : . _ - (e.g. ht:labour)').optional(),
    cursor: z.string().max(512).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /**
     * Beyond active indicators (default: not revoked, `validUntil` not passed), comma-separated:
     * `revoked`, `expired`, `history` (both, and each item's history: versions received, revocation,
     * refused revocations).
     */
    include: z
      .string()
      .max(64)
      .transform((s) => s.split(',').map((p) => p.trim()).filter((p) => p !== ''))
      .pipe(z.array(z.enum(SEARCH_INCLUDES)).max(SEARCH_INCLUDES.length))
      .optional(),
  })
  .strict();

/** What GET /indicators may include beyond active indicators. */
export type SearchInclude = (typeof SEARCH_INCLUDES)[number];
export type SearchQuery = z.infer<typeof searchQuerySchema>;

/** Body of POST /indicators/:id/revoke. */
export const revokeBodySchema = z
  .object({
    // A lone surrogate cannot be canonicalized: refused here rather than at export, where it would block the queue.
    reason: z.string().trim().refine((r) => !hasLoneSurrogate(r), 'reason holds a lone surrogate').pipe(revokeReasonSchema),
  })
  .strict();

/** Path parameter: indicator ids are uuids. */
export const idParamSchema = z.string().uuid();
