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
 * `ht:` namespace must name a predicate of the taxonomy; the message names the closest one if any is close.
 */
export function findTaxonomyProblem(tag: string): { code: 'TAG_UNKNOWN'; message: string } | undefined {
  if (!tag.startsWith(PREFIX) || PREDICATES.has(tag.slice(PREFIX.length))) return undefined;
  const shown = JSON.stringify(tag.length > 64 ? `${tag.slice(0, 64)}…` : tag);
  const closest = closestTaxonomyTag(tag);
  const hint = closest ? `did you mean "${closest}"? (GET /api/v1/vocabulary lists every tag)` : 'GET /api/v1/vocabulary lists its tags';
  return { code: 'TAG_UNKNOWN', message: `${shown} is not in the ${TAXONOMY_NAMESPACE} taxonomy (version ${HT_TAXONOMY.version}); ${hint}` };
}

// A batch may hold 320,000 tags (10,000 items × 32), all unknown and all different: finding the closest
// tag must stay a few microseconds. Hence a small edit-distance band and a bounded memo of recent answers.
const MAX_EDIT_DISTANCE = 4;
// Typed the start of a tag and then something else ("domestic-servant"): a shared start this long counts.
const MIN_SHARED_PREFIX = 5;
const MAX_MEMO = 4096;
const memo = new Map<string, string | undefined>();

/**
 * The taxonomy tag closest to `tag`, or undefined when none is close: the shortest predicate containing
 * what was typed (3 characters or more: "debt" → ht:debt-bondage), else the longest predicate contained
 * in it ("labour-exploitation" → ht:labour), else the nearest within 4 edits (first in taxonomy order on a
 * tie), else the one sharing the longest start of 5 characters or more ("domestic-servant").
 */
export function closestTaxonomyTag(tag: string): string | undefined {
  const wanted = tag.startsWith(PREFIX) ? tag.slice(PREFIX.length) : tag;
  if (memo.has(wanted)) return memo.get(wanted);
  const found = closestPredicate(wanted);
  if (memo.size >= MAX_MEMO) memo.clear();
  memo.set(wanted, found && `${PREFIX}${found}`);
  return memo.get(wanted);
}

const VALUES: readonly string[] = HT_TAXONOMY.predicates.map((p) => p.value);

function closestPredicate(wanted: string): string | undefined {
  let containing: string | undefined; // shortest predicate that contains what was typed
  let contained: string | undefined; // longest predicate that what was typed contains
  for (const value of VALUES) {
    if (wanted.length >= 3 && value.includes(wanted) && (containing === undefined || value.length < containing.length)) containing = value;
    if (value.length >= 4 && wanted.includes(value) && (contained === undefined || value.length > contained.length)) contained = value;
  }
  if (containing !== undefined || contained !== undefined) return containing ?? contained;
  let best: string | undefined;
  let bestDistance = MAX_EDIT_DISTANCE + 1;
  for (const value of VALUES) {
    const distance = boundedEditDistance(wanted, value, bestDistance - 1);
    if (distance < bestDistance) [best, bestDistance] = [value, distance];
  }
  if (best !== undefined) return best;
  let longestPrefix = MIN_SHARED_PREFIX - 1;
  for (const value of VALUES) {
    let shared = 0;
    while (shared < value.length && value[shared] === wanted[shared]) shared++;
    if (shared > longestPrefix) [best, longestPrefix] = [value, shared];
  }
  return best;
}

// Two rows of the edit-distance table, reused: predicates are at most 64 characters.
let previousRow = new Int32Array(66);
let currentRow = new Int32Array(66);

/** Levenshtein distance of a and b if it is at most k, else k + 1; only a band of 2k + 1 cells per row. */
export function boundedEditDistance(a: string, b: string, k: number): number {
  const over = k + 1;
  if (k < 0 || Math.abs(a.length - b.length) > k || b.length > 64) return over;
  for (let j = 0; j <= b.length; j++) previousRow[j] = j <= k ? j : over;
  for (let i = 1; i <= a.length; i++) {
    // Only the band is computed; the one cell left of it and the one right of it must read as "over".
    const first = Math.max(1, i - k);
    const last = Math.min(b.length, i + k);
    currentRow[first - 1] = first === 1 ? (i <= k ? i : over) : over;
    if (last < b.length) currentRow[last + 1] = over;
    let rowMin = currentRow[first - 1];
    for (let j = first; j <= last; j++) {
      let cell = previousRow[j - 1] + (a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1);
      if (previousRow[j] + 1 < cell) cell = previousRow[j] + 1;
      if (currentRow[j - 1] + 1 < cell) cell = currentRow[j - 1] + 1;
      currentRow[j] = cell > over ? over : cell;
      if (currentRow[j] < rowMin) rowMin = currentRow[j];
    }
    if (rowMin > k) return over;
    [previousRow, currentRow] = [currentRow, previousRow];
  }
  return Math.min(previousRow[b.length], over);
}
