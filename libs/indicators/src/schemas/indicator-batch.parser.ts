import { z } from 'zod';
import type { FieldError } from '../domain-error';
import { naturalKey } from '../indicator.identity';
import type { NormalizeContext } from '../normalize.types';
import { indicatorInputSchema, type IndicatorInput } from './indicator-input.schema';
import { fieldErrorsFromZod } from './zod-issue.mapper';

/** Default and contract maximum of indicators in one batch. */
export const MAX_BATCH_ITEMS = 10_000;

/** Options of parseIndicatorBatch. */
export interface BatchOptions {
  /** Most items accepted (default 10,000); more is one TOO_MANY_ITEMS error, items unread. */
  maxItems?: number;
}

/** Outcome of parseIndicatorBatch: every item, or every error of every item. */
export type BatchResult = { ok: true; items: IndicatorInput[] } | { ok: false; errors: FieldError[] };

// The envelope only: items are parsed one by one so that each error carries its item's index.
const envelopeSchema = z.strictObject({ indicators: z.array(z.unknown()) });

/** Strict schema of a batch body `{ indicators: [...] }` (for JSON Schema / OpenAPI). */
export function indicatorBatchSchema(ctx: NormalizeContext = {}, maxItems = MAX_BATCH_ITEMS) {
  return z.strictObject({ indicators: z.array(indicatorInputSchema(ctx)).max(maxItems) });
}

/**
 * Validate and normalize `{ indicators: [...] }`. All items are checked; each error names its item
 * (`index`) and the field (`path`, relative to the item). Two items with the same natural key
 * (same value after normalization) are a DUPLICATE_IN_BATCH error on the later one.
 */
export function parseIndicatorBatch(raw: unknown, ctx: NormalizeContext = {}, options: BatchOptions = {}): BatchResult {
  const maxItems = options.maxItems ?? MAX_BATCH_ITEMS;
  const envelope = envelopeSchema.safeParse(raw, { reportInput: true });
  if (!envelope.success) return { ok: false, errors: fieldErrorsFromZod(envelope.error.issues, undefined, 'batch') };
  const rawItems = envelope.data.indicators;
  if (rawItems.length > maxItems) {
    return {
      ok: false,
      errors: [
        {
          path: ['indicators'],
          code: 'TOO_MANY_ITEMS',
          message: `a batch holds at most ${maxItems} indicators, got ${rawItems.length}: split it`,
        },
      ],
    };
  }
  const schema = indicatorInputSchema(ctx);
  const items: IndicatorInput[] = [];
  const errors: FieldError[] = [];
  const firstIndexByKey = new Map<string, number>();
  rawItems.forEach((rawItem, index) => {
    const result = schema.safeParse(rawItem, { reportInput: true });
    if (!result.success) {
      errors.push(...fieldErrorsFromZod(result.error.issues, index, 'indicator'));
      return;
    }
    const key = naturalKey(result.data);
    const first = firstIndexByKey.get(key);
    if (first === undefined) {
      firstIndexByKey.set(key, index);
      items.push(result.data);
      return;
    }
    errors.push({
      index,
      path: ['value'],
      code: 'DUPLICATE_IN_BATCH',
      message: `same indicator as item ${first} (${result.data.type} ${JSON.stringify(result.data.value)} once normalized)`,
    });
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, items };
}
