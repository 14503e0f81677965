import { z } from 'zod';
import { findDisplayProblem, hasLoneSurrogate } from '@palermo/indicators';
import { PURPOSES } from '@palermo/policy';

/**
 * Free text that travels in a signed feedback message, held to the wire's rule (libs/bundles
 * feedback.ts): CR LF and lone CR become LF (the wire refuses CR; Windows clients send it), then
 * no control, bidi or lone-surrogate characters; trimmed, 1–`max` characters.
 */
const text = (max: number, what: string) =>
  z
    .string()
    .max(max)
    .transform((value) => value.replace(/\r\n?/g, '\n').trim())
    .superRefine((value, ctx) => {
      if (value.length === 0) ctx.addIssue({ code: 'custom', message: `${what} is empty` });
      if (hasLoneSurrogate(value)) ctx.addIssue({ code: 'custom', message: 'contains a lone UTF-16 surrogate' });
      const problem = findDisplayProblem(value, { allowLineBreaks: true });
      if (problem) ctx.addIssue({ code: 'custom', message: problem.message });
      // What the display check lets through but the wire does not (C1 controls, DEL): refused here, not at signing.
      if (/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(value)) ctx.addIssue({ code: 'custom', message: 'contains control characters' });
    });

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, { error: 'must be a lower-case uuid' });

/** Body of POST /disclosures: ask the partner that answered a lookup hit to disclose the matched indicator. */
export const disclosureRequestSchema = z
  .strictObject({
    /** The requestId of a lookup hit this node was given (POST /lookups → results[].requestId). */
    lookupHit: uuid.meta({ description: 'requestId of a lookup hit (POST /lookups results[].requestId)' }),
    /** Why: one of the agreement purposes. */
    purpose: z.enum(PURPOSES).meta({ description: 'One of the agreement purposes' }),
    /** The legal basis for the request (1–500 characters). */
    legalBasis: text(500, 'legalBasis').meta({ description: 'The legal basis (1–500 characters)' }),
    /** The case this request belongs to (1–200 characters). */
    caseReference: text(200, 'caseReference').meta({ description: 'The case reference (1–200 characters)' }),
  })
  .meta({ title: 'DisclosureRequestInput' });
export type DisclosureRequestBody = z.output<typeof disclosureRequestSchema>;

/** Body of POST /disclosures/:id/approve, /deny and /withdraw. */
export const disclosureDecisionSchema = z
  .strictObject({
    /** The reason (1–2000 characters): a policy officer's is sent to the requester; an analyst's withdrawal stays on this node. */
    reason: text(2000, 'reason').meta({ description: "The reason (1–2000 characters); an officer's decision is sent to the requester, a withdrawal's stays here" }),
  })
  .meta({ title: 'DisclosureDecisionInput' });
export type DisclosureDecisionBody = z.output<typeof disclosureDecisionSchema>;

/** Query string of GET /disclosures. */
export const disclosureListSchema = z.strictObject({
  /** out = this node asked; in = a partner asked this node (the policy officers' queue with state=requested). */
  direction: z.enum(['in', 'out']).optional(),
  state: z.enum(['requested', 'approved', 'denied', 'withdrawn']).optional(),
  cursor: z.string().max(512).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type DisclosureListQuery = z.output<typeof disclosureListSchema>;

/** Path parameter: a disclosure id (uuid). */
export const disclosureIdSchema = uuid;

/** JSON Schemas of the bodies, for the OpenAPI document. */
export const disclosureRequestJsonSchema = z.toJSONSchema(disclosureRequestSchema, { io: 'input', unrepresentable: 'any' });
export const disclosureDecisionJsonSchema = z.toJSONSchema(disclosureDecisionSchema, { io: 'input', unrepresentable: 'any' });
