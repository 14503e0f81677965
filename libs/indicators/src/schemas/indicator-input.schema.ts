import { z } from 'zod';
import type { CryptoChain, IndicatorType, Tlp } from '../indicator.types';
import type { NormalizeContext } from '../normalize.types';
import { fieldErrorsFromZod } from './zod-issue.mapper';
import type { FieldError } from '../domain-error';
import {
  checkSeenOrder,
  confidenceSchema,
  inputDescriptionSchema,
  inputPlatformSchema,
  inputTagsSchema,
  inputTimestampSchema,
  inputValueSchema,
  tlpSchema,
} from './indicator-fields.schema';
import { buildIndicatorUnion } from './indicator-union.builder';

/** An analyst's indicator after validation: value normalized, defaults applied, dates as toISOString(). */
export interface IndicatorInput {
  /** Indicator type. */
  type: IndicatorType;
  /** Normalized value (normalizeValue output). */
  value: string;
  /** Platform slug; present for username only. */
  platform?: string;
  /** Chain; present for crypto-wallet only. */
  chain?: CryptoChain;
  /** TLP marking (default amber). */
  tlp: Tlp;
  /** Confidence 0–100 (default 50). */
  confidence: number;
  /** Tags, de-duplicated and sorted (default []). */
  tags: string[];
  /** First sighting, ISO 8601 UTC with milliseconds. */
  firstSeen?: string;
  /** Last sighting, ISO 8601 UTC with milliseconds; never before firstSeen. */
  lastSeen?: string;
  /** Expiry, ISO 8601 UTC with milliseconds. */
  validUntil?: string;
  /** Free-text note, trimmed. */
  description?: string;
}

/** Default TLP of analyst input when none is given. */
export const DEFAULT_TLP: Tlp = 'amber';
/** Default confidence of analyst input when none is given. */
export const DEFAULT_CONFIDENCE = 50;

// Building the union costs milliseconds, parsing one item microseconds: keep one schema per region.
// Bounded, because the region comes from configuration but nothing stops a caller from varying it.
const MAX_CACHED_SCHEMAS = 300;
const schemaByRegion = new Map<string, z.ZodType<IndicatorInput>>();

/**
 * Strict schema of one analyst indicator (HTTP body item, CLI import, STIX mapping): unknown fields
 * are refused; `value` (and `platform`) come out normalized with `ctx` (e.g. the node's default
 * phone region). A discriminated union on `type`, one member per type.
 */
export function indicatorInputSchema(ctx: NormalizeContext = {}): z.ZodType<IndicatorInput> {
  const region = ctx.defaultRegion ?? '';
  let schema = schemaByRegion.get(region);
  if (!schema) {
    if (schemaByRegion.size >= MAX_CACHED_SCHEMAS) schemaByRegion.clear();
    schema = buildInputSchema({ defaultRegion: ctx.defaultRegion });
    schemaByRegion.set(region, schema);
  }
  return schema;
}

function buildInputSchema(ctx: NormalizeContext): z.ZodType<IndicatorInput> {
  return buildIndicatorUnion({
    title: 'IndicatorInput',
    value: (type, chain) => inputValueSchema(type, { ...ctx, chain }),
    platform: inputPlatformSchema,
    common: {
      tlp: tlpSchema.default(DEFAULT_TLP),
      confidence: confidenceSchema.default(DEFAULT_CONFIDENCE),
      tags: inputTagsSchema.default([]),
      firstSeen: inputTimestampSchema.optional(),
      lastSeen: inputTimestampSchema.optional(),
      validUntil: inputTimestampSchema.optional(),
      description: inputDescriptionSchema.optional(),
    },
    refine: checkSeenOrder,
  }) as z.ZodType<IndicatorInput>;
}

/** Validate and normalize one analyst indicator; every problem comes back as a FieldError. */
export function parseIndicatorInput(
  raw: unknown,
  ctx: NormalizeContext = {},
): { ok: true; indicator: IndicatorInput } | { ok: false; errors: FieldError[] } {
  const result = indicatorInputSchema(ctx).safeParse(raw, { reportInput: true });
  return result.success ? { ok: true, indicator: result.data } : { ok: false, errors: fieldErrorsFromZod(result.error.issues, undefined, 'indicator') };
}
