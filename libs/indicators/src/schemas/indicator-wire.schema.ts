import { z } from 'zod';
import type { FieldError } from '../domain-error';
import type { WireIndicator } from '../indicator.types';
import {
  confidenceSchema,
  indicatorIdSchema,
  nodeIdSchema,
  tlpSchema,
  wireDescriptionSchema,
  wirePlatformSchema,
  wireTagsSchema,
  wireTimestampSchema,
  wireValueSchema,
} from './indicator-fields.schema';
import { buildIndicatorUnion } from './indicator-union.builder';
import { fieldErrorsFromZod } from './zod-issue.mapper';

/**
 * Strict schema of an indicator inside a bundle (WireIndicator). It validates and never transforms:
 * the parsed object equals the input, because the bundle's canonical bytes are what was signed.
 * `value` must already be normalized (normalizeValue(type, value) === value; phone without a default
 * region, i.e. E.164), else VALUE_NOT_NORMALIZED; tags must be sorted and unique.
 */
export const wireIndicatorSchema: z.ZodType<WireIndicator> = buildIndicatorUnion({
  title: 'WireIndicator',
  value: (type, chain) => wireValueSchema(type, { chain }),
  platform: wirePlatformSchema,
  common: {
    id: indicatorIdSchema,
    origin: nodeIdSchema,
    // A 32-bit signed integer: what every partner's database column holds.
    version: z.int().min(1).max(2_147_483_647).meta({ description: 'Version at the origin; a higher version supersedes' }),
    tlp: tlpSchema,
    confidence: confidenceSchema,
    tags: wireTagsSchema,
    firstSeen: wireTimestampSchema,
    lastSeen: wireTimestampSchema,
    validUntil: wireTimestampSchema.nullable(),
    description: wireDescriptionSchema.optional(),
    modifiedAt: wireTimestampSchema,
  },
}) as z.ZodType<WireIndicator>;

/** Validate one wire indicator (e.g. a bundle entry); every problem comes back as a FieldError. */
export function parseWireIndicator(raw: unknown): { ok: true; indicator: WireIndicator } | { ok: false; errors: FieldError[] } {
  const result = wireIndicatorSchema.safeParse(raw, { reportInput: true });
  return result.success ? { ok: true, indicator: result.data } : { ok: false, errors: fieldErrorsFromZod(result.error.issues, undefined, 'indicator') };
}
