import { z } from 'zod';
import { COMMUNITY_AUDIENCE, fieldErrorsFromZod, NODE_ID_PATTERN, type FieldError } from '@palermo/indicators';
import { BUNDLE_SPEC } from './bundle.types';

/** Lower-case hex SHA-256, the form of a bundle hash (and of `prev`). */
export const BUNDLE_HASH_PATTERN = /^[0-9a-f]{64}$/;

// Lower-case only: ids are compared as strings across nodes (uuid v7 as uuid's v7() mints them).
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const uuidV7 = z.string().regex(UUID_V7, 'must be a lower-case uuid v7');

const nodeId = z
  .string()
  .regex(NODE_ID_PATTERN, 'must be a node id')
  .refine((id) => id !== COMMUNITY_AUDIENCE, `"${COMMUNITY_AUDIENCE}" is an audience, not a node id`);

// Indicators are left as `unknown` here on purpose: they are validated one by one with
// @palermo/indicators' wire schema, so that their errors keep that lib's stable codes.
const upsertEntry = z.strictObject({ op: z.literal('upsert'), indicator: z.unknown() });
// The same rule as indicator descriptions: a reason is shown to analysts abroad, so no control
// characters (line breaks aside) and no bidi controls that could disguise it (Trojan Source).
const HOSTILE_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
/** A revocation's reason as the wire accepts it; the HTTP API checks analyst input with the same rule. */
export const revokeReasonSchema = z
  .string()
  .min(1)
  .max(1024)
  .refine((text) => !HOSTILE_TEXT.test(text), { message: 'reason holds a control or bidi character', params: { code: 'REASON_HOSTILE_TEXT' } });
const revokeEntry = z.strictObject({ op: z.literal('revoke'), id: uuidV7, reason: revokeReasonSchema });

/** The bundle envelope of wire protocol v1 (entries checked for shape, not indicator content). */
export const bundleEnvelopeSchema = z
  .strictObject({
    spec: z.literal(BUNDLE_SPEC),
    id: uuidV7,
    publisher: nodeId,
    audience: z.string().regex(NODE_ID_PATTERN, 'must be a node id or "all"'),
    seq: z.int().min(1),
    prev: z.string().regex(BUNDLE_HASH_PATTERN, 'must be a lower-case hex SHA-256').nullable(),
    // Exactly the Date#toISOString spelling, and a real instant (no February 30th).
    createdAt: z.iso.datetime({ precision: 3 }).refine((text) => new Date(text).toISOString() === text, 'must be a real UTC instant'),
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

/** `["entries", 3, "indicator", "value"]` → `entries[3].indicator.value`. */
export function formatPath(path: readonly (string | number)[]): string {
  const text = path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
  return text === '' ? '(bundle)' : text;
}

/** One line naming the first few errors, for quarantine records and logs. */
export function describeErrors(errors: readonly FieldError[], max = 5): string {
  const shown = errors.slice(0, max).map((e) => `${formatPath(e.path)}: ${e.code} (${e.message})`);
  const more = errors.length > max ? ` (+${errors.length - max} more)` : '';
  return shown.join('; ') + more;
}
