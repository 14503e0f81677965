export * from './domain-error';
export * from './indicator.types';
export * from './indicator.identity';
export type { NormalizeContext, NormalizeResult } from './normalize.types';
export { normalizeValue, isIndicatorType } from './value.normalizer';
export { normalizePlatform, PLATFORM_PATTERN } from './normalizers/username.normalizer';
export { isCryptoChain } from './normalizers/crypto-wallet.normalizer';
export { MAX_RAW_VALUE_LENGTH, findDisplayProblem, hasLoneSurrogate, type TextProblem, type TextGuardOptions } from './text.guard';
export {
  MAX_TAGS,
  TAG_PATTERN,
  MAX_DESCRIPTION_LENGTH,
  UUID_V7_PATTERN,
  nodeIdSchema,
  wireTimestampSchema,
} from './schemas/indicator-fields.schema';
export {
  indicatorInputSchema,
  parseIndicatorInput,
  DEFAULT_TLP,
  DEFAULT_CONFIDENCE,
  type IndicatorInput,
} from './schemas/indicator-input.schema';
export { wireIndicatorSchema, parseWireIndicator } from './schemas/indicator-wire.schema';
export {
  parseIndicatorBatch,
  indicatorBatchSchema,
  MAX_BATCH_ITEMS,
  type BatchOptions,
  type BatchResult,
} from './schemas/indicator-batch.parser';
export { indicatorJsonSchemas, type IndicatorJsonSchemas } from './schemas/indicator.json-schema';
export { fieldErrorsFromZod, formatFieldPath } from './schemas/zod-issue.mapper';
