import { z } from 'zod';
import { indicatorBatchSchema } from './indicator-batch.parser';
import { indicatorInputSchema } from './indicator-input.schema';
import { wireIndicatorSchema } from './indicator-wire.schema';

/** JSON Schemas (draft 2020-12) of what a client sends: the same zod schemas that validate, for OpenAPI. */
export interface IndicatorJsonSchemas {
  /** One analyst indicator (POST body item). */
  input: Record<string, unknown>;
  /** One wire indicator (bundle entry). */
  wire: Record<string, unknown>;
  /** A batch body `{ indicators: [...] }`. */
  batch: Record<string, unknown>;
}

/**
 * JSON Schemas derived from the zod schemas (input side: defaults are optional, normalizing
 * transforms show as the string they accept). Checks zod cannot express (checksums, normal form)
 * are described in the field descriptions.
 */
export function indicatorJsonSchemas(): IndicatorJsonSchemas {
  const options = { io: 'input', unrepresentable: 'any' } as const;
  return {
    input: z.toJSONSchema(indicatorInputSchema(), options) as Record<string, unknown>,
    wire: z.toJSONSchema(wireIndicatorSchema, options) as Record<string, unknown>,
    batch: z.toJSONSchema(indicatorBatchSchema(), options) as Record<string, unknown>,
  };
}
