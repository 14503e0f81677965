/** STIX 2.1 mapping (pure): ids, TLP markings, export and import of indicators, streaming bundles. */
export * from './stix.types';
export { PALERMO_STIX_NAMESPACE, STIX_ID_PATTERN, stixIndicatorId, stixIdentityId, stixSightingId, newStixBundleId, isStixId } from './stix.ids';
export {
  TLP_2_0_EXTENSION_ID,
  TLP_MARKING_IDS,
  TLP_MARKING_DEFINITIONS,
  TLP1_MARKING_IDS,
  tlpMarkingRef,
  tlpForMarkingRef,
  stricterTlp,
  tlpOfMarkingDefinition,
  type TlpMarkingDefinition,
} from './stix.markings';
export { parseStixTimestamp, toStixTimestamp } from './stix.timestamps';
export { parseStixPattern, stixStringLiteral, MAX_PATTERN_LENGTH, type StixComparison, type StixPatternResult } from './stix-pattern.parser';
export { patternFor, subjectFromComparisons, TEXT_FINGERPRINT_OBJECT_TYPE, IMAGE_HASH_KEYS, type PatternSubject } from './stix-pattern.mapper';
export { identityToStix, indicatorToStix, sightingToStix, PALERMO_STIX_EPOCH, MAX_STIX_SIGHTING_COUNT } from './stix-export.mapper';
export { stixObjectToIndicator } from './stix-import.mapper';
export { stixBundleChunks, BUNDLE_CHUNK_CHARS } from './stix-bundle.writer';
export { readStixObjects, STIX_READ_DEFAULTS, SLICE_BYTES, type ReadStixOptions, type StixReadPosition } from './stix-bundle.reader';
