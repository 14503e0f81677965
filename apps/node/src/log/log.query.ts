import { z } from 'zod';

const size = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** GET /log/checkpoints: cursor paging, newest first. */
export const logCheckpointQuerySchema = z
  .object({ cursor: z.string().max(200).optional(), limit: z.coerce.number().int().min(1).max(1000).optional() })
  .strict();
export type LogCheckpointQuery = z.infer<typeof logCheckpointQuerySchema>;

/** GET /log/proof: inclusion of `hash` (at `treeSize`, default the newest checkpoint), or consistency `fromSize` → `toSize`. */
export const logProofQuerySchema = z
  .object({
    /** Lower-case hex SHA-256 of one of this node's bundles. */
    hash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    treeSize: size.optional(),
    fromSize: size.optional(),
    toSize: size.optional(),
  })
  .strict()
  .refine(
    (q) =>
      q.hash !== undefined ? q.fromSize === undefined && q.toSize === undefined : q.treeSize === undefined && q.fromSize !== undefined && q.toSize !== undefined,
    { message: 'give either hash (and optionally treeSize) or fromSize and toSize' },
  );
export type LogProofQuery = z.infer<typeof logProofQuerySchema>;
