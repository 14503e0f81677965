import { createHash } from 'node:crypto';
import { newIndicatorId, normalizeValue, type IndicatorType } from '@palermo/indicators';

/**
 * Deterministic benchmark indicators, made one batch at a time so the bench process never holds
 * all of them. Every value is already in normal form (checked once at start-up), so the rows the
 * importer stores and the rows the COPY baseline writes carry the same bytes.
 */

/** One generated indicator, before it becomes an HTTP item or a COPY line. */
export interface BenchIndicator {
  type: IndicatorType;
  value: string;
  platform?: string;
  chain?: string;
  tlp: 'green';
  confidence: number;
  tags: string[];
  firstSeen: string;
  lastSeen: string;
  description: string;
}

const FIRST_SEEN = '2025-01-06T08:00:00.000Z';
const LAST_SEEN = '2025-11-20T17:30:00.000Z';
const TAG_SETS = [['ht:recruitment'], ['ht:sexual-exploitation'], ['ht:labour', 'ht:recruitment'], ['ht:payment', 'ht:sexual-exploitation']];

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Value of the i-th indicator: nine types in turn, each unique per i. */
function valueAt(i: number): Pick<BenchIndicator, 'type' | 'value' | 'platform' | 'chain'> {
  switch (i % 9) {
    case 0:
      return { type: 'phone', value: `+3161${String(i).padStart(7, '0')}` };
    case 1:
      return { type: 'email', value: `recruiter.${i}@mail-${i % 50}.example.org` };
    case 2:
      return { type: 'username', value: `handle_${i}`, platform: 'telegram' };
    case 3:
      return { type: 'url', value: `https://ads-${i % 100}.example.com/listing/${i}` };
    case 4:
      return { type: 'domain', value: `escort-${i}.example.net` };
    case 5:
      return { type: 'ip', value: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` };
    case 6:
      return { type: 'keyword', value: `fresh rose ${i} new in town` };
    case 7:
      return { type: 'file-sha256', value: sha256Hex(`image-${i}`) };
    default:
      return { type: 'crypto-wallet', value: `0x${sha256Hex(`wallet-${i}`).slice(0, 40)}`, chain: 'eth' };
  }
}

/** The i-th benchmark indicator (TLP:GREEN, so the exporter sends it on the community chain). */
export function indicatorAt(i: number): BenchIndicator {
  return {
    ...valueAt(i),
    tlp: 'green',
    confidence: 40 + (i % 60),
    tags: TAG_SETS[i % TAG_SETS.length],
    firstSeen: FIRST_SEEN,
    lastSeen: LAST_SEEN,
    description: `seen in a classified ad, case ${Math.floor(i / 100)}`,
  };
}

/** Throws unless the generated values are already normal (so stored rows equal COPY rows). */
export function assertNormalForm(indices: number[]): void {
  for (const i of indices) {
    const { type, value, chain } = indicatorAt(i);
    const normal = normalizeValue(type, value, { chain });
    if (!normal.ok || normal.value !== value) throw new Error(`generator bug: ${type} ${value} is not in normal form (${JSON.stringify(normal)})`);
  }
}

/** Indicators [start, start + size) as the body of POST /indicators. */
export function postBody(start: number, size: number): { indicators: BenchIndicator[] } {
  const indicators: BenchIndicator[] = [];
  for (let i = start; i < start + size; i++) indicators.push(indicatorAt(i));
  return { indicators };
}

/** Columns the importer writes into `indicator` (the rest keep their defaults). */
export const INDICATOR_COPY_COLUMNS = [
  'origin_node', 'origin_id', 'own', 'type', 'value', 'pseudonym', 'platform', 'chain', 'tlp', 'confidence', 'tags',
  'first_seen', 'last_seen', 'valid_until', 'description', 'version', 'modified_at', 'source_bundle_hash', 'created_at', 'updated_at',
] as const;

/** Columns the importer writes into `import_decision`. */
export const DECISION_COPY_COLUMNS = ['bundle_hash', 'entry_index', 'origin_node', 'origin_id', 'version', 'action', 'reasons'] as const;

// COPY text format: tab-separated, \N for NULL, backslash escapes for the four special characters.
function field(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  return String(value).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

// Our tags match ^[a-z0-9][a-z0-9:._-]*$: no element needs quoting inside an array literal.
function arrayLiteral(items: readonly string[]): string {
  return `{${items.join(',')}}`;
}

/** Roughly how many of our indicators fit a 768 KiB bundle (only shapes the COPY rows' bundle hashes). */
export const ENTRIES_PER_BUNDLE = 2_000;

/** What an imported row carries besides the indicator itself. */
export interface CopyContext {
  originNode: string;
  /** The bundle that brought row i. */
  bundleHash: (i: number) => string;
  /** When the row was written (created_at / updated_at). */
  now: string;
}

/** COPY text lines for `indicator`, rows [start, start + size), as the importer stores them (fresh uuid v7 ids, version 1). */
export function indicatorCopyLines(start: number, size: number, ctx: CopyContext): string {
  const lines: string[] = [];
  for (let i = start; i < start + size; i++) {
    const it = indicatorAt(i);
    const row = [ctx.originNode, newIndicatorId(), false, it.type, it.value, null, it.platform, it.chain, it.tlp, it.confidence,
      arrayLiteral(it.tags), it.firstSeen, it.lastSeen, null, it.description, 1, ctx.now, ctx.bundleHash(i), ctx.now, ctx.now];
    lines.push(row.map(field).join('\t'));
  }
  return `${lines.join('\n')}\n`;
}

/** COPY text lines for `import_decision`, one accept decision per indicator of [start, start + size). */
export function decisionCopyLines(start: number, size: number, ctx: CopyContext): string {
  const lines: string[] = [];
  for (let i = start; i < start + size; i++) {
    const row = [ctx.bundleHash(i), i % ENTRIES_PER_BUNDLE, ctx.originNode, newIndicatorId(), 1, 'accept', arrayLiteral(['import.default-accept'])];
    lines.push(row.map(field).join('\t'));
  }
  return `${lines.join('\n')}\n`;
}
