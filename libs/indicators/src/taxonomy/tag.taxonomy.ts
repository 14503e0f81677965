import categoriesJson from './ht-categories.json';
import taxonomyJson from './ht-taxonomy.json';

/** A MISP taxonomy predicate: the part after `ht:` of a tag, with its label and meaning. */
export interface TaxonomyPredicate {
  /** The predicate, e.g. "labour" (the tag is "ht:labour"). */
  value: string;
  /** Short human label. */
  expanded: string;
  /** What the tag means, for an analyst choosing it. */
  description: string;
}

/** The trafficking taxonomy in MISP machinetag format (loadable by MISP as `ht/machinetag.json`). */
export interface MispTaxonomy {
  namespace: string;
  expanded: string;
  description: string;
  version: number;
  refs: string[];
  predicates: TaxonomyPredicate[];
}

/** One category of the taxonomy (forms of exploitation, recruitment, …) and its predicates in order. */
export interface TaxonomyCategory {
  id: string;
  expanded: string;
  description: string;
  predicates: string[];
}

/** The `ht` taxonomy as shipped in ht-taxonomy.json (MISP format; version bumps with every change). */
export const HT_TAXONOMY: Readonly<MispTaxonomy> = taxonomyJson;
/** Grouping of the `ht` predicates into categories (ht-categories.json; MISP's format has no place for it). */
export const HT_CATEGORIES: readonly TaxonomyCategory[] = categoriesJson.categories;
/** Namespace whose tags must come from the taxonomy; tags of other namespaces only follow TAG_PATTERN. */
export const TAXONOMY_NAMESPACE = HT_TAXONOMY.namespace;

const PREFIX = `${TAXONOMY_NAMESPACE}:`;
const PREDICATES: ReadonlySet<string> = new Set(HT_TAXONOMY.predicates.map((p) => p.value));

/** Every tag of the taxonomy, e.g. "ht:labour", in the taxonomy's order. */
export function taxonomyTags(): string[] {
  return HT_TAXONOMY.predicates.map((p) => `${PREFIX}${p.value}`);
}

/**
 * Problem with a tag that already matches TAG_PATTERN, or undefined when it is fine: a tag in the
 * `ht:` namespace must name a predicate of the taxonomy; the message names the closest one.
 */
export function findTaxonomyProblem(tag: string): { code: 'TAG_UNKNOWN'; message: string } | undefined {
  if (!tag.startsWith(PREFIX) || PREDICATES.has(tag.slice(PREFIX.length))) return undefined;
  const shown = JSON.stringify(tag.length > 64 ? `${tag.slice(0, 64)}…` : tag);
  return {
    code: 'TAG_UNKNOWN',
    message: `${shown} is not in the ${TAXONOMY_NAMESPACE} taxonomy (version ${HT_TAXONOMY.version}); did you mean "${closestTaxonomyTag(tag)}"? (GET /api/v1/vocabulary lists them all)`,
  };
}

/**
 * The taxonomy tag nearest to `tag`: the shortest predicate containing what was typed (3 characters
 * or more: "debt" → ht:debt-bondage), else the nearest by edit distance (first in taxonomy order on a tie).
 */
export function closestTaxonomyTag(tag: string): string {
  const wanted = tag.startsWith(PREFIX) ? tag.slice(PREFIX.length) : tag;
  const containing = wanted.length >= 3 ? HT_TAXONOMY.predicates.filter((p) => p.value.includes(wanted)) : [];
  if (containing.length > 0) return `${PREFIX}${containing.reduce((a, b) => (b.value.length < a.value.length ? b : a)).value}`;
  let best = HT_TAXONOMY.predicates[0].value;
  let bestDistance = Infinity;
  for (const { value } of HT_TAXONOMY.predicates) {
    const distance = editDistance(wanted, value, bestDistance);
    if (distance < bestDistance) [best, bestDistance] = [value, distance];
  }
  return `${PREFIX}${best}`;
}

/** Levenshtein distance, giving up (returning `limit`) once it cannot beat `limit`. Tags are ≤ 64 chars. */
function editDistance(a: string, b: string, limit: number): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    if (Math.min(...current) >= limit) return limit;
    previous = current;
  }
  return previous[b.length];
}
