import { TAG_PATTERN, isIndicatorType, tlpRank, type Tlp } from '@palermo/indicators';
import { isStixId, stixIdentityId } from './stix.ids';
import { tlpForMarkingRef } from './stix.markings';
import { parseStixPattern } from './stix-pattern.parser';
import { chainsAccepting, subjectFromComparisons } from './stix-pattern.mapper';
import { parseStixTimestamp } from './stix.timestamps';
import type { StixImportItem, StixImportOptions, StixIndicatorInput } from './stix.types';

type Failed = Extract<StixImportItem, { kind: 'failed' }>;
type Mapped = Extract<StixImportItem, { kind: 'indicator' }>;

/** Options of stixObjectToIndicator on a Palermo node (the origin rule needs to know which node it is). */
export interface StixImportMapOptions extends StixImportOptions {
  /** Node id of the importing node: objects whose Palermo origin is another node are refused (STIX_FOREIGN_ORIGIN). */
  nodeId?: string;
  /** Take objects of another Palermo origin as own anyway (the operator's explicit choice, counted and audited). */
  adopt?: boolean;
  /** Identity ids of the file that name a Palermo node (`x_palermo_node_id`), to read `created_by_ref`. */
  identities?: ReadonlyMap<string, string>;
}

/** Where a mapped object came from, when a Palermo node wrote it. */
export interface StixOrigin {
  /** Palermo node id of the origin. */
  node: string;
  /** True when the origin is the importing node itself. */
  own: boolean;
  /** The origin's indicator id (`x_palermo_id`), when the object carries it. */
  id?: string;
}

/** stixObjectToIndicator's answer: a mapped indicator also says its Palermo origin, if any. */
export type StixImportResult = Exclude<StixImportItem, { kind: 'indicator' }> | (Mapped & { origin?: StixOrigin });

// Types that are not indicators: what a bundle carries around them. Counted, never failures.
const IGNORED_REASONS: Record<string, string> = {
  identity: 'identities describe who published; the importing node becomes the origin',
  'marking-definition': 'marking definitions are read from object_marking_refs of each indicator',
  relationship: 'relationships between objects are not kept',
  sighting: 'sightings are not imported',
  'extension-definition': 'extension definitions are not kept',
  'language-content': 'translations are not kept',
};

class ImportFailure extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}
const fail = (code: string, message: string): never => {
  throw new ImportFailure(code, message);
};

/**
 * One object of a STIX bundle → a Palermo indicator input, an ignored object, or a failure with a
 * code. Only `indicator` objects with a STIX pattern that names one Palermo value are mapped; the
 * input is raw: parseIndicatorBatch / indicatorInputSchema validate and normalize it (one schema).
 */
export function stixObjectToIndicator(object: unknown, options: StixImportMapOptions): StixImportResult {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) {
    return { kind: 'failed', stixId: null, stixType: null, code: 'STIX_OBJECT_INVALID', reason: `a STIX object must be a JSON object, got ${Array.isArray(object) ? 'an array' : object === null ? 'null' : typeof object}` };
  }
  const record = object as Record<string, unknown>;
  const stixType = typeof record.type === 'string' && /^[a-z0-9-]{1,250}$/.test(record.type) ? record.type : null;
  const stixId = isStixId(record.id) ? record.id : null;
  if (!stixType) return { kind: 'failed', stixId, stixType: null, code: 'STIX_OBJECT_INVALID', reason: 'the object has no valid "type"' };
  if (!stixId || !stixId.startsWith(`${stixType}--`)) {
    return { kind: 'failed', stixId: null, stixType, code: 'STIX_OBJECT_INVALID', reason: `the object has no valid "id" (${stixType}--<uuid>)` };
  }
  if (stixType !== 'indicator') {
    return { kind: 'ignored', stixId, stixType, reason: IGNORED_REASONS[stixType] ?? `${stixType} objects are not indicators` };
  }
  try {
    return withOrigin(mapIndicator(stixId, record, options), record, options);
  } catch (error) {
    if (error instanceof ImportFailure) return { kind: 'failed', stixId, stixType, code: error.code, reason: error.message } satisfies Failed;
    throw error;
  }
}

/**
 * The origin rule: an indicator a Palermo node published travels between nodes only through that
 * node's feed, where its agreement, revocations and retention apply. A file naming another Palermo
 * origin would launder it into an own indicator of this node, so such objects are refused unless the
 * operator adopts them explicitly; objects of this node's own origin keep their own indicator id.
 */
function withOrigin(mapped: Mapped, object: Record<string, unknown>, options: StixImportMapOptions): StixImportResult {
  if (options.nodeId === undefined) return mapped;
  const origin = originOf(object, options);
  if (origin === undefined) return mapped;
  if (origin.own || options.adopt) return { ...mapped, origin };
  const node = JSON.stringify(origin.node.slice(0, 64));
  return fail(
    'STIX_FOREIGN_ORIGIN',
    `this indicator was published by Palermo node ${node}: it must arrive through that node's feed, where its agreement, revocations and retention apply; import with adopt=true to take it as this node's own`,
  );
}

function originOf(object: Record<string, unknown>, options: StixImportMapOptions): StixOrigin | undefined {
  const declared = typeof object.x_palermo_origin === 'string' && object.x_palermo_origin !== '' ? object.x_palermo_origin : undefined;
  const creator = typeof object.created_by_ref === 'string' ? object.created_by_ref : undefined;
  const node = declared ?? (creator === stixIdentityId(options.nodeId!) ? options.nodeId : creator ? options.identities?.get(creator) : undefined);
  if (node === undefined) return undefined;
  const id = typeof object.x_palermo_id === 'string' ? object.x_palermo_id : undefined;
  return { node, own: node === options.nodeId, ...(id ? { id } : {}) };
}

function mapIndicator(stixId: string, object: Record<string, unknown>, options: StixImportOptions): Mapped {
  if (object.spec_version !== undefined && object.spec_version !== '2.1' && object.spec_version !== '2.0') {
    fail('STIX_SPEC_VERSION_UNSUPPORTED', `spec_version ${JSON.stringify(String(object.spec_version).slice(0, 16))} is not 2.1 (or 2.0)`);
  }
  // STIX 2.0 indicators have no pattern_type: their patterns are STIX patterns.
  const patternType = object.pattern_type ?? (object.spec_version === '2.1' ? undefined : 'stix');
  if (patternType !== 'stix') fail('STIX_PATTERN_TYPE_UNSUPPORTED', `pattern_type ${JSON.stringify(String(patternType).slice(0, 32))} is not read; only "stix" patterns are`);
  if (object.granular_markings !== undefined) fail('STIX_GRANULAR_MARKINGS_UNSUPPORTED', 'granular markings restrict parts of an object, which an indicator cannot keep');
  const modified = timestamp(object, 'modified', true) as string;
  const created = timestamp(object, 'created', object.spec_version === '2.1');
  if (created && created > modified) fail('STIX_BAD_TIMESTAMP', `created ${created} is after modified ${modified}`);
  if (object.revoked !== undefined && typeof object.revoked !== 'boolean') fail('STIX_FIELD_INVALID', 'revoked must be true or false');
  const parsed = parseStixPattern(object.pattern);
  if (!parsed.ok) fail(parsed.code, parsed.reason);
  const subject = subjectFromComparisons((parsed as Extract<typeof parsed, { ok: true }>).comparisons);
  if (!subject.ok) return fail(subject.code, subject.reason);
  const { type, value, platform } = subject.subject;
  const declared = object.x_palermo_type;
  if (declared !== undefined && declared !== type) {
    fail('STIX_TYPE_MISMATCH', `x_palermo_type says ${JSON.stringify(String(declared).slice(0, 32))} but the pattern names a ${type}`);
  }
  const warnings: string[] = [];
  const input: StixIndicatorInput = {
    type,
    value,
    ...(platform !== undefined ? { platform } : {}),
    ...(type === 'crypto-wallet' ? { chain: chainOf(object, value) } : {}),
    tlp: tlpOf(object, options),
    ...(object.confidence !== undefined ? { confidence: object.confidence } : {}),
    tags: tagsOf(object, warnings),
    ...seenOf(object),
    ...(object.valid_until !== undefined ? { validUntil: timestamp(object, 'valid_until', true) } : {}),
    ...(object.description !== undefined ? { description: object.description } : {}),
  };
  return {
    kind: 'indicator',
    stixId,
    modified,
    revoked: object.revoked === true,
    input,
    warnings,
    ...palermoOf(object),
  };
}

function timestamp(object: Record<string, unknown>, field: string, required: boolean): string | undefined {
  const raw = object[field];
  if (raw === undefined && !required) return undefined;
  const parsed = parseStixTimestamp(raw);
  if (!parsed) {
    const shown = raw === undefined ? 'is missing' : `${JSON.stringify(String(raw).slice(0, 40))} is not a STIX timestamp (e.g. 2024-05-01T12:00:00.000Z)`;
    fail('STIX_BAD_TIMESTAMP', `${field} ${shown}`);
  }
  return parsed;
}

// Several TLP markings: the most restricted wins. A marking we cannot read may restrict: refuse.
function tlpOf(object: Record<string, unknown>, options: StixImportOptions): Tlp {
  const refs = object.object_marking_refs;
  if (refs === undefined) return options.defaultTlp;
  if (!Array.isArray(refs) || refs.length > 64 || refs.some((ref) => typeof ref !== 'string')) {
    fail('STIX_FIELD_INVALID', 'object_marking_refs must be a list of at most 64 marking-definition ids');
  }
  let tlp: Tlp | undefined;
  for (const ref of refs as string[]) {
    const known = tlpForMarkingRef(ref) ?? options.markings?.get(ref);
    if (known === undefined) fail('STIX_UNKNOWN_MARKING', `marking ${JSON.stringify(ref.slice(0, 80))} is not a TLP marking this node knows; it may restrict sharing`);
    if (known === 'ignore') continue;
    const level = known as Tlp;
    tlp = tlp === undefined || tlpRank(level) > tlpRank(tlp) ? level : tlp;
  }
  return tlp ?? options.defaultTlp;
}

function tagsOf(object: Record<string, unknown>, warnings: string[]): string[] {
  const labels = object.labels;
  if (labels === undefined) return [];
  if (!Array.isArray(labels) || labels.length > 1000) fail('STIX_FIELD_INVALID', 'labels must be a list of strings');
  const tags: string[] = [];
  for (const label of labels as unknown[]) {
    if (typeof label === 'string' && TAG_PATTERN.test(label)) tags.push(label);
    else warnings.push(`label ${JSON.stringify(String(label).slice(0, 64))} is not a Palermo tag (${TAG_PATTERN.source}) and was dropped`);
  }
  return tags;
}

// Palermo writes firstSeen/lastSeen as x_palermo_*; anyone else's valid_from is the best first sighting.
function seenOf(object: Record<string, unknown>): { firstSeen?: string; lastSeen?: string } {
  const firstSeen = object.x_palermo_first_seen !== undefined ? timestamp(object, 'x_palermo_first_seen', true) : timestamp(object, 'valid_from', object.spec_version === '2.1');
  const lastSeen = object.x_palermo_last_seen !== undefined ? timestamp(object, 'x_palermo_last_seen', true) : undefined;
  return { ...(firstSeen ? { firstSeen } : {}), ...(lastSeen ? { lastSeen } : {}) };
}

// cryptocurrency-wallet has no chain property: Palermo says x_palermo_chain; otherwise the address
// format must name exactly one chain (a P2SH "3…" address is valid on btc and ltc alike: refused).
function chainOf(object: Record<string, unknown>, address: string): string {
  if (typeof object.x_palermo_chain === 'string') return object.x_palermo_chain;
  const chains = chainsAccepting(address);
  if (chains.length === 1) return chains[0];
  return fail(
    'STIX_WALLET_CHAIN_UNKNOWN',
    chains.length === 0 ? 'the wallet address is valid on none of btc, eth, trx, ltc' : `the wallet address is valid on ${chains.join(' and ')}; set x_palermo_chain`,
  );
}

function palermoOf(object: Record<string, unknown>): { palermo?: { origin: string; id: string; version: number } } {
  const { x_palermo_origin: origin, x_palermo_id: id, x_palermo_version: version } = object;
  if (typeof origin === 'string' && typeof id === 'string' && Number.isInteger(version) && isIndicatorType(object.x_palermo_type)) {
    return { palermo: { origin, id, version: version as number } };
  }
  return {};
}
