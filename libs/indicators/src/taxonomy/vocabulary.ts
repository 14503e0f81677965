import { CRYPTO_CHAINS, INDICATOR_TYPES, TLP_LEVELS, type IndicatorType } from '../indicator.types';
import { IMAGE_HASH_ALGORITHMS } from '../normalizers/image-hash.normalizer';
import { TEXT_FINGERPRINT_ALGORITHMS } from '../normalizers/text-fingerprint.normalizer';
import { MAX_TAGS, TAG_PATTERN } from '../schemas/indicator-fields.schema';
import { HT_CATEGORIES, HT_TAXONOMY } from './tag.taxonomy';

/** What a client needs to fill in an indicator: types, TLP levels and the tag taxonomy. */
export interface IndicatorVocabulary {
  /** Every indicator type, with the extra field it requires (platform, chain) and its value algorithms. */
  types: { type: IndicatorType; requires: ('platform' | 'chain')[]; chains?: readonly string[]; algorithms?: Record<string, number> }[];
  /** TLP 2.0 levels, least to most restricted. */
  tlpLevels: readonly string[];
  /** Rules every tag follows, and the taxonomy its namespace's tags must come from. */
  tags: { pattern: string; maxTags: number; taxonomyNamespace: string };
  /** The `ht` taxonomy: its MISP header and the tags per category. */
  taxonomy: {
    namespace: string;
    version: number;
    description: string;
    categories: { id: string; expanded: string; description: string; tags: { tag: string; expanded: string; description: string }[] }[];
  };
}

/** The vocabulary of this version of Palermo (types, TLP levels, taxonomy) as data. */
export function indicatorVocabulary(): IndicatorVocabulary {
  const predicates = new Map(HT_TAXONOMY.predicates.map((p) => [p.value, p]));
  return {
    types: INDICATOR_TYPES.map((type) => ({ type, requires: [], ...TYPE_EXTRAS[type] })),
    tlpLevels: TLP_LEVELS,
    tags: { pattern: TAG_PATTERN.source, maxTags: MAX_TAGS, taxonomyNamespace: HT_TAXONOMY.namespace },
    taxonomy: {
      namespace: HT_TAXONOMY.namespace,
      version: HT_TAXONOMY.version,
      description: HT_TAXONOMY.description,
      categories: HT_CATEGORIES.map(({ id, expanded, description, predicates: values }) => ({
        id,
        expanded,
        description,
        tags: values.map((value) => {
          const p = predicates.get(value)!;
          return { tag: `${HT_TAXONOMY.namespace}:${value}`, expanded: p.expanded, description: p.description };
        }),
      })),
    },
  };
}

// Hex digits per algorithm for the hash-like types; the extra field a type cannot do without.
const TYPE_EXTRAS: Partial<Record<IndicatorType, Partial<IndicatorVocabulary['types'][number]>>> = {
  username: { requires: ['platform'] },
  'crypto-wallet': { requires: ['chain'], chains: CRYPTO_CHAINS },
  'image-hash': { algorithms: IMAGE_HASH_ALGORITHMS },
  'text-fingerprint': { algorithms: TEXT_FINGERPRINT_ALGORITHMS },
};
