import { z } from 'zod';

const text = z.string().min(1).max(200);

/** GET /audit: filters (exact matches) and cursor paging, oldest first by seq. */
export const auditQuerySchema = z
  .object({
    /** e.g. bundle.exported, bundle.imported, bundle.quarantined, api.write, agreement.approve. */
    action: text.optional(),
    /** e.g. bundle, quarantine, partner, node-key, token, agreement, policy, api. */
    subjectType: text.optional(),
    subjectId: text.optional(),
    /** Token id (uuid) of the actor. */
    actor: z.uuid().optional(),
    /** `nextCursor` of the previous page. */
    cursor: z.string().max(200).optional(),
    /** 1–1000, default 100. */
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();
export type AuditQuery = z.infer<typeof auditQuerySchema>;

/** GET /audit/checkpoints: cursor paging, oldest first. */
export const checkpointQuerySchema = z
  .object({ cursor: z.string().max(200).optional(), limit: z.coerce.number().int().min(1).max(1000).optional() })
  .strict();
export type CheckpointQuery = z.infer<typeof checkpointQuerySchema>;
