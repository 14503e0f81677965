import { z } from 'zod';
import { findDisplayProblem, hasLoneSurrogate, NODE_ID_PATTERN } from '@palermo/indicators';
import { MAX_SIGHTING_COUNT } from '@palermo/store';

const ISO_DATE_TIME = z.iso.datetime({ offset: true });
const ISO_DATE = z.iso.date();

/** An instant as analysts type it (date-time with offset, or a date = midnight UTC), out as toISOString(). */
const instantSchema = z
  .string()
  .max(64)
  .transform((text, ctx) => {
    const time = ISO_DATE_TIME.safeParse(text).success || ISO_DATE.safeParse(text).success ? Date.parse(text) : NaN;
    const year = Number.isNaN(time) ? 0 : new Date(time).getUTCFullYear();
    if (year < 1000 || year > 9999) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text.slice(0, 40))} is not an ISO 8601 date-time with offset or a date` });
      return z.NEVER;
    }
    return new Date(time).toISOString();
  });

/** Body of POST /indicators/:id/sightings. */
export const sightingBodySchema = z
  .strictObject({
    /** How many times it was seen (default 1). */
    count: z.int().min(1).max(MAX_SIGHTING_COUNT).default(1).meta({ description: 'How many times it was seen (default 1)' }),
    /** First time seen (default: lastSeen). */
    firstSeen: instantSchema.optional().meta({ description: 'First time seen, ISO 8601 (default: lastSeen)' }),
    /** Last time seen (default: now). */
    lastSeen: instantSchema.optional().meta({ description: 'Last time seen, ISO 8601 (default: now); not in the future' }),
    /** Where or how it was seen; free text, ≤ 4096, no control or bidi characters. */
    note: z
      .string()
      .max(4096)
      .superRefine((text, ctx) => {
        if (hasLoneSurrogate(text)) ctx.addIssue({ code: 'custom', message: 'contains a lone UTF-16 surrogate' });
        const problem = findDisplayProblem(text, { allowLineBreaks: true });
        if (problem) ctx.addIssue({ code: 'custom', message: problem.message });
      })
      .transform((text) => text.trim())
      .optional()
      .meta({ description: 'Where or how it was seen (free text, at most 4096 characters)' }),
  })
  .meta({ title: 'SightingInput' });
export type SightingBody = z.output<typeof sightingBodySchema>;

/** Query string of GET /indicators/:id/sightings. */
export const sightingListSchema = z
  .strictObject({
    origin: z.string().regex(NODE_ID_PATTERN).optional(),
    cursor: z.string().max(512).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  });
export type SightingListQuery = z.output<typeof sightingListSchema>;

/** Path parameter: indicator ids are uuids. */
export const indicatorIdParamSchema = z.string().uuid();

/** JSON Schema of the body, for the OpenAPI document. */
export const sightingBodyJsonSchema = z.toJSONSchema(sightingBodySchema, { io: 'input', unrepresentable: 'any' });
