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
export { textFingerprint, MAX_FINGERPRINT_TEXT_LENGTH, SHINGLE_WORDS } from './fingerprint/simhash.fingerprint';
export { adTextTokens } from './fingerprint/ad-text.tokenizer';
export { hammingDistance } from './fingerprint/hamming.distance';
export {
  IMAGE_HASH_BITS,
  NEAR_MATCH_CHUNK_BITS,
  NEAR_MATCH_THRESHOLDS,
  chunkDistance,
  chunkKey,
  chunkRadii,
  imageHashChunks,
  nearMatchQuery,
  nearMatchThreshold,
  valuesWithin,
  verifyNearMatches,
  type ChunkProbe,
  type ImageHashChunks,
  type NearMatchQuery,
} from './fingerprint/image-hash.near-match';
export { IMAGE_HASH_ALGORITHMS, type ImageHashAlgorithm } from './normalizers/image-hash.normalizer';
export { TEXT_FINGERPRINT_ALGORITHMS } from './normalizers/text-fingerprint.normalizer';
export {
  HT_TAXONOMY,
  HT_CATEGORIES,
  TAXONOMY_NAMESPACE,
  taxonomyTags,
  findTaxonomyProblem,
  closestTaxonomyTag,
  type MispTaxonomy,
  type TaxonomyCategory,
  type TaxonomyPredicate,
} from './taxonomy/tag.taxonomy';
export { indicatorVocabulary, type IndicatorVocabulary } from './taxonomy/vocabulary';
