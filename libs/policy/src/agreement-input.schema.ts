import { z } from 'zod';
import { findDisplayProblem, hasLoneSurrogate, INDICATOR_TYPES, nodeIdSchema, TLP_LEVELS } from '@palermo/indicators';
import { DIRECTIONS, PURPOSES } from './agreement.types';

/** Longest agreement note, in characters. */
export const MAX_AGREEMENT_NOTE_LENGTH = 2000;
/** Longest retention an agreement may set: 100 years. */
export const MAX_RETENTION_DAYS = 36_500;

/** A non-empty list of `values`, returned de-duplicated in the order of `values`. */
function nonEmptySet<T extends string>(values: readonly [T, ...T[]], what: string) {
  return z
    .array(z.enum(values))
    .min(1, { error: `at least one ${what}` })
    .transform((list) => values.filter((v) => list.includes(v)));
}

/** A possibly empty list of `values`, de-duplicated in the order of `values`. */
function optionalSet<T extends string>(values: readonly [T, ...T[]]) {
  return z
    .array(z.enum(values))
    .transform((list) => values.filter((v) => list.includes(v)))
    .default([]);
}

// ISO 8601 date-time with offset, or a date (midnight UTC); stored as Date#toISOString.
const instant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((text) => new Date(Date.parse(text)).toISOString())
  .refine((iso) => /^[1-9]\d{3}-/.test(iso), { error: 'year must be 1000–9999' })
  .meta({ description: 'ISO 8601 date-time with offset, or a date (midnight UTC)' });

const note = z
  .string()
  .max(MAX_AGREEMENT_NOTE_LENGTH)
  .superRefine((text, ctx) => {
    const problem = hasLoneSurrogate(text) ? { message: 'contains a lone surrogate' } : findDisplayProblem(text, { allowLineBreaks: true });
    if (problem) ctx.addIssue({ code: 'custom', message: problem.message });
  });

/** zod schema for POST /agreements bodies: strict, lists de-duplicated, validUntil after validFrom. */
export const agreementInputSchema = z
  .strictObject({
    /** Node id of the partner the agreement is with. */
    partner: nodeIdSchema,
    /** export, import or both. */
    directions: nonEmptySet(DIRECTIONS, 'direction'),
    /** Indicator types covered. */
    types: nonEmptySet(INDICATOR_TYPES, 'indicator type'),
    /** Most restricted TLP that may flow. */
    maxTlp: z.enum(TLP_LEVELS),
    /** Purposes the data may be used for (lookups must state one). */
    purposes: nonEmptySet(PURPOSES, 'purpose'),
    /** Days imported indicators are kept (1–36500), or null for no limit: say so explicitly. */
    retentionDays: z.int().min(1).max(MAX_RETENTION_DAYS).nullable(),
    /** Types kept only as keyed pseudonyms on import; each must be one of `types`. */
    pseudonymize: optionalSet(INDICATOR_TYPES),
    /** Whether the partner may ask hit/no-hit lookups. */
    lookups: z.boolean().default(false),
    /** Encrypt every bundle to the partner's key, not only those with TLP:AMBER+STRICT or TLP:RED entries (default false). */
    encrypt: z.boolean().default(false),
    /**
     * Onward sharing (default false). Export: this node may pass on to the partner indicators it imported from
     * other origins (when its agreement with each origin allows onward too). Import: this node keeps indicators
     * the partner relays from other origins.
     */
    onward: z.boolean().default(false),
    /** Start of validity. */
    validFrom: instant,
    /** End of validity (exclusive), or null for open-ended. */
    validUntil: instant.nullable().default(null),
    /** Free-text note for the approving officer (≤ 2000 characters). */
    note: note.nullable().default(null),
  })
  .superRefine((input, ctx) => {
    if (input.validUntil !== null && Date.parse(input.validUntil) <= Date.parse(input.validFrom)) {
      ctx.addIssue({ code: 'custom', path: ['validUntil'], message: `must be after validFrom (${input.validFrom})` });
    }
    const stray = input.pseudonymize.filter((t) => !input.types.includes(t));
    if (stray.length > 0) ctx.addIssue({ code: 'custom', path: ['pseudonymize'], message: `not among the agreed types: ${stray.join(', ')}` });
  });

/** A validated agreement body, lists de-duplicated, dates as toISOString. */
export type AgreementInput = z.infer<typeof agreementInputSchema>;
