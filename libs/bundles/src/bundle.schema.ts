import { z } from 'zod';
import {
  fieldErrorsFromZod,
  findDisplayProblem,
  formatFieldPath,
  NODE_ID_PATTERN,
  nodeIdSchema,
  UUID_V7_PATTERN,
  wireTimestampSchema,
  type FieldError,
} from '@palermo/indicators';
import { BUNDLE_SPEC } from './bundle.types';

/** Lower-case hex SHA-256, the form of a bundle hash (and of `prev`). */
export const BUNDLE_HASH_PATTERN = /^[0-9a-f]{64}$/;

const uuidV7 = z.string().regex(UUID_V7_PATTERN, 'must be a lower-case uuid v7');

// Indicators are left as `unknown` here on purpose: they are validated one by one with
// @palermo/indicators' wire schema, so that their errors keep that lib's stable codes.
const upsertEntry = z.strictObject({ op: z.literal('upsert'), indicator: z.unknown() });
/**
 * A revocation's reason as the wire accepts it; the HTTP API checks analyst input with the same rule.
 * The rule of indicator descriptions: shown to analysts abroad, so no control characters (line
 * breaks aside) and no bidi controls that could disguise it (Trojan Source). A lone surrogate is
 * left to the canonical-form check (BUNDLE_NOT_CANONICAL).
 */
export const revokeReasonSchema = z
  .string()
  .min(1)
  .max(1024)
  .superRefine((text, ctx) => {
    const problem = findDisplayProblem(text, { allowLineBreaks: true });
    if (problem) ctx.addIssue({ code: 'custom', message: problem.message, params: { code: 'REASON_HOSTILE_TEXT' } });
  });
const revokeEntry = z.strictObject({ op: z.literal('revoke'), id: uuidV7, reason: revokeReasonSchema });

/** The bundle envelope of wire protocol v1 (entries checked for shape, not indicator content). */
export const bundleEnvelopeSchema = z
  .strictObject({
    spec: z.literal(BUNDLE_SPEC),
    id: uuidV7,
    publisher: nodeIdSchema,
    audience: z.string().regex(NODE_ID_PATTERN, 'must be a node id or "all"'),
    seq: z.int().min(1),
    prev: z.string().regex(BUNDLE_HASH_PATTERN, 'must be a lower-case hex SHA-256').nullable(),
    // The one timestamp spelling of the wire (Date#toISOString), a real and storable instant.
    createdAt: wireTimestampSchema,
    entries: z.array(z.discriminatedUnion('op', [upsertEntry, revokeEntry])),
  })
  .superRefine((bundle, ctx) => {
    // The chain starts at seq 1 with no predecessor; every later bundle names its predecessor.
    if (bundle.seq === 1 && bundle.prev !== null) {
      ctx.addIssue({ code: 'custom', path: ['prev'], message: 'must be null at seq 1', params: { code: 'PREV_NOT_NULL' } });
    }
    if (bundle.seq > 1 && bundle.prev === null) {
      ctx.addIssue({ code: 'custom', path: ['prev'], message: 'must be the previous bundle hash when seq > 1', params: { code: 'PREV_REQUIRED' } });
    }
  });

/** A bundle whose envelope is valid; its indicators are not checked yet. */
export type BundleEnvelope = z.infer<typeof bundleEnvelopeSchema>;

/** Validates a bundle envelope; errors carry the same codes (same mapper) as indicator errors. */
export function parseEnvelope(raw: unknown): { ok: true; envelope: BundleEnvelope } | { ok: false; errors: FieldError[] } {
  // reportInput lets the mapper tell a missing field (REQUIRED) from a wrong one.
  const result = bundleEnvelopeSchema.safeParse(raw, { reportInput: true });
  return result.success ? { ok: true, envelope: result.data } : { ok: false, errors: fieldErrorsFromZod(result.error.issues) };
}

/** One line naming the first few errors (`entries[3].indicator.value: CODE (message)`), for quarantine records and logs. */
export function describeErrors(errors: readonly FieldError[], max = 5): string {
  const shown = errors.slice(0, max).map((e) => `${formatFieldPath(e.path, '(bundle)')}: ${e.code} (${e.message})`);
  const more = errors.length > max ? ` (+${errors.length - max} more)` : '';
  return shown.join('; ') + more;
}
