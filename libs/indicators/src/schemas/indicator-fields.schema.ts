import { z } from 'zod';
import { NODE_ID_PATTERN, COMMUNITY_AUDIENCE, TLP_LEVELS, type IndicatorType } from '../indicator.types';
import type { NormalizeContext } from '../normalize.types';
import { normalizePlatform } from '../normalizers/username.normalizer';
import { findTaxonomyProblem } from '../taxonomy/tag.taxonomy';
import { findTextProblem, MAX_RAW_VALUE_LENGTH } from '../text.guard';
import { normalizeValue } from '../value.normalizer';

/** Most tags one indicator may carry. */
export const MAX_TAGS = 32;
/** A tag of the trafficking taxonomy, e.g. "ht:labour", "ht:sexual-exploitation". */
export const TAG_PATTERN = /^[a-z0-9][a-z0-9:._-]{0,63}$/;
/** Longest description, in characters. */
export const MAX_DESCRIPTION_LENGTH = 4096;

const ISO_DATE_TIME = z.iso.datetime({ offset: true });
const ISO_DATE = z.iso.date();
// Exactly what Date#toISOString produces: the only timestamp spelling on the wire.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** An issue carrying our own stable code in params.code (read by the zod-issue mapper). */
function addCodedIssue(ctx: z.RefinementCtx, code: string, message: string, path: (string | number)[] = []): void {
  ctx.addIssue({ code: 'custom', message, params: { code }, path });
}

/** TLP 2.0 marking. */
export const tlpSchema = z.enum(TLP_LEVELS).meta({ description: 'TLP 2.0 marking: clear, green, amber, amber+strict or red' });

/** Confidence 0–100 (integer). */
export const confidenceSchema = z.int().min(0).max(100).meta({ description: 'Confidence of the publisher, 0–100' });

const tagFormatSchema = z.string().regex(TAG_PATTERN, { error: 'tag must match ^[a-z0-9][a-z0-9:._-]{0,63}$ (e.g. "ht:labour")' });

/**
 * One tag made on this node (analyst input, STIX and MISP imports): TAG_PATTERN, and a tag in the
 * taxonomy's namespace (`ht:`) must be in the taxonomy (TAG_UNKNOWN names the closest one).
 */
const tagSchema = tagFormatSchema
  .superRefine((tag, ctx) => {
    const problem = TAG_PATTERN.test(tag) ? findTaxonomyProblem(tag) : undefined;
    if (problem) addCodedIssue(ctx, problem.code, problem.message);
  });

/** Analyst tags: each matching TAG_PATTERN, at most MAX_TAGS; output de-duplicated and sorted. */
export const inputTagsSchema = z
  .array(tagSchema)
  .max(MAX_TAGS)
  .transform((tags) => [...new Set(tags)].sort())
  .meta({ description: 'Tags (e.g. "ht:recruitment"); an ht: tag must be in the trafficking taxonomy (GET /api/v1/vocabulary); stored de-duplicated and sorted' });

/**
 * Wire tags: already de-duplicated and sorted, because the bundle bytes are signed as they are.
 * Only their form is checked: a partner on a newer taxonomy may send an `ht:` tag this node does not
 * know yet, and refusing it would quarantine the bundle and stall that partner's whole chain.
 */
export const wireTagsSchema = z
  .array(tagFormatSchema)
  .max(MAX_TAGS)
  .superRefine((tags, ctx) => {
    const canonical = [...new Set(tags)].sort();
    if (canonical.length !== tags.length || canonical.some((tag, i) => tag !== tags[i])) {
      addCodedIssue(ctx, 'TAGS_NOT_NORMALIZED', 'must be sorted and free of duplicates on the wire');
    }
  })
  .meta({ description: 'Taxonomy tags, sorted and de-duplicated' });

/** Analyst timestamp: ISO 8601 date-time with offset, or a date (midnight UTC); output toISOString(). */
export const inputTimestampSchema = z
  .string()
  .transform((text, ctx) => {
    const time = ISO_DATE_TIME.safeParse(text).success || ISO_DATE.safeParse(text).success ? Date.parse(text) : NaN;
    if (Number.isNaN(time)) {
      addCodedIssue(ctx, 'INVALID_DATE', `${JSON.stringify(text.slice(0, 40))} is not an ISO 8601 date-time with offset (2024-05-01T12:00:00Z) or a date (2024-05-01)`);
      return z.NEVER;
    }
    if (!storableYear(time)) {
      addCodedIssue(ctx, 'INVALID_DATE', `${JSON.stringify(text.slice(0, 40))} is outside the years 1000–9999`);
      return z.NEVER;
    }
    return new Date(time).toISOString();
  })
  .meta({ description: 'ISO 8601 date-time with offset (e.g. 2024-05-01T12:00:00+02:00) or a date (midnight UTC)' });

// Every database and partner must be able to store the instant: four-digit years only.
function storableYear(time: number): boolean {
  const year = new Date(time).getUTCFullYear();
  return year >= 1000 && year <= 9999;
}

/** Wire timestamp: exactly the Date#toISOString spelling (UTC, millisecond precision). */
export const wireTimestampSchema = z
  .string()
  .superRefine((text, ctx) => {
    // Parsed once, and only in the one spelling: every imported indicator carries four timestamps.
    const time = ISO_INSTANT.test(text) ? Date.parse(text) : NaN;
    if (Number.isNaN(time) || new Date(time).toISOString() !== text || !storableYear(time)) {
      addCodedIssue(ctx, 'INVALID_DATE', `${JSON.stringify(text.slice(0, 40))} is not a UTC timestamp like 2024-05-01T12:00:00.000Z`);
    }
  })
  .meta({ format: 'date-time', description: 'UTC timestamp, millisecond precision (Date#toISOString)' });

const descriptionText = z
  .string()
  .max(MAX_DESCRIPTION_LENGTH)
  .superRefine((text, ctx) => {
    const problem = findTextProblem(text, { allowLineBreaks: true });
    if (problem) addCodedIssue(ctx, problem.kind, problem.message);
  });

/** Analyst description (free text, ≤ 4096, no control or bidi characters), trimmed. */
export const inputDescriptionSchema = descriptionText.transform((text) => text.trim()).meta({ description: 'Free-text note for partners' });

/** Wire description: same rules, taken as it is. */
export const wireDescriptionSchema = descriptionText.meta({ description: 'Free-text note from the origin' });

/** Analyst value of `type`: normalized on the way in (see normalizeValue); its error codes are kept. */
export function inputValueSchema(type: IndicatorType, ctx: NormalizeContext) {
  return z
    .string()
    .transform((raw, zctx) => {
      const result = normalizeValue(type, raw, ctx);
      if (result.ok) return result.value;
      addCodedIssue(zctx, result.code, result.message);
      return z.NEVER;
    })
    .meta({ description: `The ${type} value; normalized by the node (see libs/indicators/README.md)`, maxLength: MAX_RAW_VALUE_LENGTH });
}

/** Wire value of `type`: must already be normalized (no default phone region on the wire: E.164). */
export function wireValueSchema(type: IndicatorType, ctx: NormalizeContext) {
  return z
    .string()
    .superRefine((value, zctx) => {
      const result = normalizeValue(type, value, { chain: ctx.chain });
      if (!result.ok) {
        addCodedIssue(zctx, result.code, result.message);
      } else if (result.value !== value) {
        const shown = result.value.length > 80 ? `${result.value.slice(0, 80)}…` : result.value;
        addCodedIssue(zctx, 'VALUE_NOT_NORMALIZED', `is not in normal form; normalized it is ${JSON.stringify(shown)}`);
      }
    })
    .meta({ description: `The normalized ${type} value` });
}

/** Analyst platform of a username, normalized to a lower-case slug ("Only Fans" → "only-fans"). */
export const inputPlatformSchema = z
  .string()
  .transform((raw, ctx) => {
    const result = normalizePlatform(raw);
    if (result.ok) return result.value;
    addCodedIssue(ctx, result.code, result.message);
    return z.NEVER;
  })
  .meta({ description: 'Platform of the username, e.g. "telegram" (normalized to a lower-case slug)' });

/** Wire platform: already a normalized slug. */
export const wirePlatformSchema = z
  .string()
  .superRefine((platform, ctx) => {
    const result = normalizePlatform(platform);
    if (!result.ok) addCodedIssue(ctx, result.code, result.message);
    else if (result.value !== platform) {
      addCodedIssue(ctx, 'PLATFORM_NOT_NORMALIZED', `is not in normal form; normalized it is ${JSON.stringify(result.value)}`);
    }
  })
  .meta({ description: 'Platform slug of the username, e.g. "telegram"' });

/** Node id of an origin (never the community audience "all"). */
export const nodeIdSchema = z
  .string()
  .regex(NODE_ID_PATTERN, { error: 'node id must match ^[a-z][a-z0-9-]{1,31}$ (e.g. "nl-police")' })
  .refine((id) => id !== COMMUNITY_AUDIENCE, { error: '"all" is the community audience, not a node id' })
  .meta({ description: 'Node id, e.g. "nl-police"' });

/** Lower-case uuid v7 (indicator and bundle ids): ids are compared as strings across nodes. */
export const UUID_V7_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Lower-case uuid v7, as newIndicatorId() mints it. */
export const indicatorIdSchema = z
  .string()
  .regex(UUID_V7_PATTERN, {
    error: 'id must be a lower-case uuid v7 minted by the origin',
  })
  .meta({ description: 'uuid v7 minted by the origin node' });

/** Checks that need two fields: lastSeen may not precede firstSeen. */
export function checkSeenOrder(item: { firstSeen?: string; lastSeen?: string }, ctx: z.RefinementCtx): void {
  if (item.firstSeen && item.lastSeen && Date.parse(item.lastSeen) < Date.parse(item.firstSeen)) {
    addCodedIssue(ctx, 'LAST_SEEN_BEFORE_FIRST_SEEN', `${item.lastSeen} is before firstSeen ${item.firstSeen}`, ['lastSeen']);
  }
}
