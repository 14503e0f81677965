import { z } from 'zod';
import { isNodeId, NODE_ID_RULE } from '@palermo/indicators';
import { AGREEMENT_STATES } from '@palermo/policy';

/** GET /agreements filters. */
export const listAgreementsSchema = z
  .object({
    partner: z.string().refine(isNodeId, NODE_ID_RULE).optional(),
    state: z.enum(AGREEMENT_STATES).optional(),
  })
  .strict();
export type ListAgreementsQuery = z.infer<typeof listAgreementsSchema>;

/** :id of an agreement (uuid). */
export const agreementIdSchema = z.uuid();

/** Body of approve/suspend/resume/terminate: why (kept in the audit trail). */
export const transitionBodySchema = z
  .object({ reason: z.string().trim().min(1).max(500).optional() })
  .strict();
export type TransitionBody = z.infer<typeof transitionBodySchema>;
