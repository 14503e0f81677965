import { MAX_TAGS, TAG_PATTERN, tlpRank, type Tlp } from '@palermo/indicators';

/** What the tags (and distribution) of one level — event, object or attribute — say. */
export interface Marking {
  /** Most restrictive TLP this level names, if any. */
  tlp?: Tlp;
  /** Palermo tags derived from the MISP tags, in order of appearance. */
  tags: string[];
  /** Tags dropped, each with why (become warnings). */
  dropped: { tag: string; code: string; reason: string }[];
  /** tlp:ex:chr was present: the source must not be disclosed. */
  chatham: boolean;
}

// TLP 1.0 and 2.0 names as MISP's tlp taxonomy spells them. "white" is TLP 1.0 for "clear".
const TLP_BY_NAME: Record<string, Tlp> = {
  white: 'clear',
  clear: 'clear',
  green: 'green',
  amber: 'amber',
  'amber+strict': 'amber+strict',
  red: 'red',
};

/**
 * MISP distribution → TLP, conservatively: 0 your organisation only → red; 1 this community and
 * 2 connected communities → amber; 3 all communities → green; 4 a sharing group → amber+strict.
 * 5 (inherit) and an absent value say nothing (the caller uses the parent level). Anything else is
 * unreadable and treated as red, because a marking we cannot read may restrict.
 */
export function distributionToTlp(raw: unknown): { tlp?: Tlp; unreadable?: string } {
  if (raw === undefined || raw === null || raw === '') return {};
  const text = typeof raw === 'number' || typeof raw === 'string' ? String(raw).trim() : '';
  switch (text) {
    case '0':
      return { tlp: 'red' };
    case '1':
    case '2':
      return { tlp: 'amber' };
    case '3':
      return { tlp: 'green' };
    case '4':
      return { tlp: 'amber+strict' };
    case '5':
      return {};
    default:
      return { tlp: 'red', unreadable: JSON.stringify(raw).slice(0, 40) };
  }
}

/** The more restrictive of two TLPs (undefined = no constraint). */
export function stricterTlp(a: Tlp | undefined, b: Tlp | undefined): Tlp | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return tlpRank(a) >= tlpRank(b) ? a : b;
}

// Namespaces that describe MISP's own work queue, not the indicator.
const DROPPED_NAMESPACES = new Set(['workflow']);
// `ns:pred="value"` (a MISP machine tag) and `ns:pred` (a triple tag without value).
const MACHINE_TAG = /^([^:=\s"]+):([^=\s"]+)="([^"]*)"$/;

/** The tag names of a MISP `Tag` array (or `EventTag`/`AttributeTag` wrappers), ignoring junk. */
export function readTagNames(level: Record<string, unknown>): { name: string; exportable: boolean }[] {
  const out: { name: string; exportable: boolean }[] = [];
  const push = (tag: unknown) => {
    if (tag === null || typeof tag !== 'object') return;
    const { name, exportable } = tag as { name?: unknown; exportable?: unknown };
    if (typeof name === 'string' && name.length > 0) out.push({ name, exportable: exportable !== false && exportable !== 0 && exportable !== '0' });
  };
  for (const tag of asArray(level['Tag'])) push(tag);
  for (const key of ['EventTag', 'AttributeTag']) {
    for (const wrapper of asArray(level[key])) push((wrapper as { Tag?: unknown } | null)?.Tag);
  }
  return out;
}

/**
 * Reads the tags of one level: `tlp:*` become the TLP (the most restrictive one named; an unknown
 * tlp value counts as red), `ht:*` and any tag that fits Palermo's TAG_PATTERN once lower-cased are
 * kept, MISP machine tags `ns:pred="value"` become `ns:pred:value` when that fits too. Everything
 * else (spaces, quotes, over-long, non-exportable, MISP workflow state) is dropped with a reason.
 */
export function readMarking(level: Record<string, unknown>): Marking {
  const marking: Marking = { tags: [], dropped: [], chatham: false };
  for (const { name, exportable } of readTagNames(level).slice(0, 1000)) {
    const lower = name.trim().toLowerCase();
    if (lower.startsWith('tlp:')) {
      readTlpTag(lower.slice(4), name, marking);
      continue;
    }
    if (!exportable) {
      marking.dropped.push({ tag: shown(name), code: 'MISP_TAG_NOT_EXPORTABLE', reason: 'the tag is marked non-exportable in MISP' });
      continue;
    }
    const namespace = lower.split(':')[0];
    if (DROPPED_NAMESPACES.has(namespace)) {
      marking.dropped.push({ tag: shown(name), code: 'MISP_TAG_WORKFLOW', reason: 'MISP workflow state, not a classification of the indicator' });
      continue;
    }
    const converted = convertTag(lower);
    if (converted === undefined) {
      marking.dropped.push({
        tag: shown(name),
        code: 'MISP_TAG_UNFIT',
        reason: `does not fit Palermo tags (${TAG_PATTERN.source}) even as ns:predicate:value`,
      });
    } else if (!marking.tags.includes(converted)) {
      marking.tags.push(converted);
    }
  }
  return marking;
}

function readTlpTag(level: string, original: string, marking: Marking): void {
  if (level === 'ex:chr') {
    marking.chatham = true;
    return;
  }
  const tlp = TLP_BY_NAME[level];
  if (tlp === undefined) {
    // tlp:unclear and typos alike: what the source meant is unknown, so assume the most restrictive.
    marking.tlp = 'red';
    marking.dropped.push({ tag: shown(original), code: 'MISP_TLP_UNKNOWN', reason: 'not a TLP level Palermo knows; treated as TLP:RED' });
    return;
  }
  marking.tlp = stricterTlp(marking.tlp, tlp);
}

// Lower-case only: MISP taxonomy namespaces and predicates are lower-case by convention, and any
// other change (spaces to dashes, dropping accents) could merge two different tags.
function convertTag(lower: string): string | undefined {
  if (TAG_PATTERN.test(lower)) return lower;
  const machine = MACHINE_TAG.exec(lower);
  if (!machine) return undefined;
  const candidate = `${machine[1]}:${machine[2]}:${machine[3]}`;
  return TAG_PATTERN.test(candidate) ? candidate : undefined;
}

/** Merges tag lists (event first), de-duplicated, capped at MAX_TAGS; returns what was cut. */
export function mergeTags(...lists: string[][]): { tags: string[]; cut: string[] } {
  const all = [...new Set(lists.flat())];
  return { tags: all.slice(0, MAX_TAGS), cut: all.slice(MAX_TAGS) };
}

function shown(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** `value` as an array (a missing or non-array value is empty). */
export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
