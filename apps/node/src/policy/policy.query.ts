import { z } from 'zod';
import { hasLoneSurrogate } from '@palermo/indicators';

/** The largest policy text accepted (a jurisdiction policy is pages, not megabytes). */
export const MAX_POLICY_BYTES = 256 * 1024;

const policyText = z
  .string()
  .min(1)
  .refine((text) => Buffer.byteLength(text, 'utf8') <= MAX_POLICY_BYTES, `a policy is at most ${MAX_POLICY_BYTES} bytes`)
  // What the store could not keep is refused up front, the same for validate, simulate and PUT.
  .refine((text) => !text.includes('\u0000') && !hasLoneSurrogate(text), 'a policy may not contain U+0000 or a lone surrogate');

/** PUT /policy body. */
export const putPolicySchema = z.object({ text: policyText, comment: z.string().trim().min(1).max(500).optional() }).strict();
export type PutPolicyBody = z.infer<typeof putPolicySchema>;

/** POST /policy/validate body. */
export const validatePolicySchema = z.object({ text: policyText }).strict();

/** POST /policy/simulate body: a candidate policy (default: the live one) on a bundle or on the last N received. */
export const simulateSchema = z
  .object({
    policy: policyText.optional(),
    bundle: z.record(z.string(), z.unknown()).optional(),
    // Bounded: each received bundle is re-decided in memory on the request's thread.
    last: z.number().int().min(1).max(200).optional(),
  })
  .strict()
  .refine((body) => !(body.bundle && body.last), { message: 'give either bundle or last, not both' });
export type SimulateBody = z.infer<typeof simulateSchema>;

/** :version of a stored policy. */
export const policyVersionSchema = z.coerce.number().int().min(1).max(2_147_483_647);
