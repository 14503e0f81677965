import { z } from 'zod';
import { DISPUTE_KINDS, DISPUTE_STATES, MAX_FEEDBACK_TEXT } from '@palermo/bundles';
import { findDisplayProblem, hasLoneSurrogate, MAX_TAGS, NODE_ID_PATTERN, TAG_PATTERN } from '@palermo/indicators';

/**
 * Free text that travels in a feedback message: no control or bidi characters, CR LF as LF (the
 * wire refuses CR), trimmed, 1–2000 characters.
 */
const feedbackText = (what: string) =>
  z
    .string()
    .max(MAX_FEEDBACK_TEXT, { error: `${what} is at most ${MAX_FEEDBACK_TEXT} characters` })
    .transform((text) => text.replace(/\r\n?/g, '\n').trim())
    .superRefine((text, ctx) => {
      if (text.length === 0) ctx.addIssue({ code: 'custom', message: `${what} is required` });
      if (hasLoneSurrogate(text)) ctx.addIssue({ code: 'custom', message: 'contains a lone UTF-16 surrogate' });
      const problem = findDisplayProblem(text, { allowLineBreaks: true });
      if (problem) ctx.addIssue({ code: 'custom', message: problem.message });
    });

/** Body of POST /indicators/:id/disputes. */
export const disputeBodySchema = z
  .strictObject({
    /** false-positive, wrong-tags or other. */
    kind: z.enum(DISPUTE_KINDS).meta({ description: 'false-positive, wrong-tags or other' }),
    /** Why (1–2000 characters); it travels to the origin. */
    reason: feedbackText('reason').meta({ description: 'Why, 1–2000 characters; travels to the origin' }),
    /** For wrong-tags: the tags that would be right (may be empty). */
    suggestedTags: z.array(z.string().regex(TAG_PATTERN)).max(MAX_TAGS).optional().meta({ description: 'For wrong-tags only: the tags that would be right' }),
  })
  .refine((b) => b.suggestedTags === undefined || b.kind === 'wrong-tags', { error: 'suggestedTags go with kind wrong-tags only', path: ['suggestedTags'] })
  .meta({ title: 'DisputeInput' });
export type DisputeBody = z.output<typeof disputeBodySchema>;

/** Body of POST /disputes/:id/resolve. */
export const resolveBodySchema = z
  .strictObject({
    /** accepted or rejected. */
    state: z.enum(['accepted', 'rejected']).meta({ description: 'accepted or rejected' }),
    /** The answer to the disputer (1–2000 characters); it travels to the disputer. */
    note: feedbackText('note').meta({ description: 'The answer, 1–2000 characters; travels to the disputer' }),
  })
  .meta({ title: 'DisputeResolution' });
export type ResolveBody = z.output<typeof resolveBodySchema>;

/** Query string of GET /disputes. */
export const disputeListSchema = z.strictObject({
  direction: z.enum(['out', 'in']).optional(),
  state: z.enum(DISPUTE_STATES).optional(),
  indicator: z.string().uuid().optional(),
  origin: z.string().regex(NODE_ID_PATTERN).optional(),
  cursor: z.string().max(512).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type DisputeListQuery = z.output<typeof disputeListSchema>;

/** Path parameter: dispute and indicator ids are uuids. */
export const uuidParamSchema = z.string().uuid();

/** JSON Schemas of the bodies, for the OpenAPI document. */
export const disputeBodyJsonSchema = z.toJSONSchema(disputeBodySchema, { io: 'input', unrepresentable: 'any' });
export const resolveBodyJsonSchema = z.toJSONSchema(resolveBodySchema, { io: 'input', unrepresentable: 'any' });
