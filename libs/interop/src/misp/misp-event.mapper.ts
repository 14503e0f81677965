import {
  DEFAULT_CONFIDENCE,
  DEFAULT_TLP,
  MAX_BATCH_ITEMS,
  MAX_DESCRIPTION_LENGTH,
  naturalKey,
  parseIndicatorInput,
  type FieldError,
  type IndicatorInput,
  type Tlp,
} from '@palermo/indicators';
import { collectAttributes, isMispUuid, isObject, mispFlag, mispTimestamp, readSummary, seenValue, unwrapEvent, type JsonObject } from './misp-event.reader';
import { distributionToTlp, mergeTags, readMarking, stricterTlp, type Marking } from './misp-marking.mapper';
import { mapObjectAttribute, type Siblings } from './misp-object.mapper';
import { mapAttributeType, type Candidate } from './misp-type.mapper';
import type { MispImport, MispImportOptions, MispSkipped, MispSource, MispWarning } from './misp.types';

/** What one level (event or object) passes down to the attributes under it. */
interface Level {
  marking: Marking;
  distributionTlp?: Tlp;
}

/** Per-object context: its level and its attributes by relation (for sibling rules). */
interface ObjectContext extends Level {
  uuid: string;
  name: string;
  deleted: boolean;
  timestamp: string | null;
  siblings: Siblings;
  firstSeen?: string;
  lastSeen?: string;
}

/**
 * Maps a MISP event (`{"Event": {…}}` or the bare event) to Palermo indicator inputs, each
 * validated and normalized with the same schema as POST /indicators. Top-level attributes and the
 * attributes of objects are read; every attribute that yields no indicator is in `skipped` with a
 * code and a reason. TLP is the most restrictive of every tlp:* tag and every distribution on the
 * way down (event → object → attribute): a lower level only ever adds restriction. Two attributes
 * with the same value become one indicator (strictest TLP, tags merged); the later one is skipped
 * as MISP_DUPLICATE_IN_EVENT. Throws DomainError MISP_MALFORMED / MISP_TOO_MANY_ATTRIBUTES.
 */
export function mispEventToIndicators(json: unknown, opts: MispImportOptions = {}): MispImport {
  const event = unwrapEvent(json);
  const summary = readSummary(event);
  const result: MispImport = { event: summary, items: [], skipped: [], warnings: [], deleted: [] };
  const eventLevel = readLevel(event, summary.uuid, result.warnings);
  const eventTimestamp = mispTimestamp(event['timestamp']) ?? mispTimestamp(event['publish_timestamp']) ?? (summary.date ? new Date(summary.date).toISOString() : null);
  const mapper = new AttributeMapper(opts, summary.date, eventTimestamp, eventLevel, result);
  const objects = new Map<unknown, ObjectContext>();
  for (const { attribute, object } of collectAttributes(event, opts.maxAttributes ?? MAX_BATCH_ITEMS)) {
    let context: ObjectContext | undefined;
    if (object) {
      context = objects.get(object);
      if (!context) objects.set(object, (context = readObject(object, result.warnings)));
    }
    mapper.map(attribute, context);
  }
  if (eventLevel.marking.chatham || [...objects.values()].some((o) => o.marking.chatham) || mapper.sawChatham) {
    delete summary.orgc;
    result.warnings.push({ uuid: summary.uuid, code: 'MISP_TLP_EX_CHR', message: 'tlp:ex:chr (Chatham House Rule): the creating organisation is not kept' });
  }
  return result;
}

function readLevel(level: JsonObject, uuid: string, warnings: MispWarning[]): Level {
  const marking = readMarking(level);
  for (const d of marking.dropped) warnings.push({ uuid, code: d.code, message: `tag ${JSON.stringify(d.tag)} dropped: ${d.reason}` });
  const distribution = distributionToTlp(level['distribution']);
  if (distribution.unreadable) {
    warnings.push({ uuid, code: 'MISP_DISTRIBUTION_UNKNOWN', message: `distribution ${distribution.unreadable} is not 0–5; treated as TLP:RED` });
  }
  return { marking, distributionTlp: distribution.tlp };
}

function readObject(object: JsonObject, warnings: MispWarning[]): ObjectContext {
  const uuid = isMispUuid(object['uuid']) ? object['uuid'].toLowerCase() : '';
  const siblings = new Map<string, string[]>();
  for (const attribute of Array.isArray(object['Attribute']) ? object['Attribute'] : []) {
    if (!isObject(attribute) || typeof attribute['object_relation'] !== 'string' || typeof attribute['value'] !== 'string') continue;
    if (mispFlag(attribute['deleted'])) continue;
    const list = siblings.get(attribute['object_relation']) ?? [];
    list.push(attribute['value']);
    siblings.set(attribute['object_relation'], list);
  }
  return {
    ...readLevel(object, uuid, warnings),
    uuid,
    name: typeof object['name'] === 'string' ? object['name'] : '',
    deleted: mispFlag(object['deleted']),
    timestamp: mispTimestamp(object['timestamp']),
    siblings,
    firstSeen: seenValue(object['first_seen']),
    lastSeen: seenValue(object['last_seen']),
  };
}

/** Maps attributes one by one into `result`, remembering natural keys to merge duplicates. */
class AttributeMapper {
  /** tlp:ex:chr seen on an attribute. */
  sawChatham = false;
  private readonly byKey = new Map<string, { input: IndicatorInput; uuid: string }>();
  private readonly ctx: { defaultRegion?: string };

  constructor(
    private readonly opts: MispImportOptions,
    private readonly eventDate: string | null,
    private readonly eventTimestamp: string | null,
    private readonly event: Level,
    private readonly result: MispImport,
  ) {
    this.ctx = opts.defaultRegion === undefined ? {} : { defaultRegion: opts.defaultRegion };
  }

  map(raw: unknown, object: ObjectContext | undefined): void {
    if (!isObject(raw) || !isMispUuid(raw['uuid']) || typeof raw['type'] !== 'string' || typeof raw['value'] !== 'string') {
      this.skip(raw, 'MISP_ATTRIBUTE_MALFORMED', 'an attribute needs a uuid, a type and a string value');
      return;
    }
    const uuid = raw['uuid'].toLowerCase();
    const type = raw['type'];
    const value = raw['value'];
    const category = typeof raw['category'] === 'string' ? raw['category'] : '';
    const relation = typeof raw['object_relation'] === 'string' ? raw['object_relation'] : '';
    if (mispFlag(raw['deleted']) || object?.deleted) {
      this.skip(raw, 'MISP_DELETED', object?.deleted ? 'the object it belongs to is deleted in MISP' : 'the attribute is deleted in MISP');
      this.deleted(raw, uuid, type, category, value, relation, object);
      return;
    }
    const toIds = mispFlag(raw['to_ids']);
    if (this.opts.requireToIds && !toIds) {
      this.skip(raw, 'MISP_NOT_TO_IDS', 'to_ids is false (not actionable) and only to_ids attributes were asked for');
      return;
    }
    const mapping = (object && mapObjectAttribute(object.name, relation, value, object.siblings)) ?? mapAttributeType(type, category, value);
    if (!mapping.ok) {
      this.skip(raw, mapping.code, mapping.reason);
      return;
    }
    const source: MispSource = { uuid, type, category, timestamp: this.timestampOf(raw, uuid, object), toIds };
    if (object) source.object = { uuid: object.uuid, name: object.name, relation };
    const attributeLevel = readLevel(raw, uuid, this.result.warnings);
    if (attributeLevel.marking.chatham) this.sawChatham = true;
    const common = this.commonFields(raw, uuid, object, attributeLevel);
    for (const candidate of mapping.candidates) this.addCandidate(raw, candidate, common, source);
  }

  /**
   * The version of an attribute: its own timestamp, else its object's, then the event's (timestamp,
   * publish_timestamp, date). Never "now": a re-import of the same event must be the same version.
   */
  private timestampOf(raw: JsonObject, uuid: string, object: ObjectContext | undefined): string | null {
    const own = mispTimestamp(raw['timestamp']);
    if (own !== null) return own;
    const fallback = object?.timestamp ?? this.eventTimestamp;
    const from = object?.timestamp ? "its object's timestamp" : fallback ? "the event's timestamp (or date)" : 'nothing: the first import of it stays';
    this.result.warnings.push({ uuid, code: 'MISP_NO_TIMESTAMP', message: `the attribute has no timestamp; its version is ${from}` });
    return fallback;
  }

  /** Remembers a deleted attribute (each half of a composite one) so its earlier import is revoked. */
  private deleted(raw: JsonObject, uuid: string, type: string, category: string, value: string, relation: string, object: ObjectContext | undefined): void {
    const timestamp = this.timestampOf(raw, uuid, object);
    const mapping = (object && mapObjectAttribute(object.name, relation, value, object.siblings)) ?? mapAttributeType(type, category, value);
    const components = mapping.ok ? mapping.candidates.map((c) => c.component) : [undefined];
    for (const component of new Set(components)) this.result.deleted.push({ uuid, ...(component ? { component } : {}), timestamp });
  }

  /** TLP, tags, timestamps and description shared by every candidate of one attribute. */
  private commonFields(raw: JsonObject, uuid: string, object: ObjectContext | undefined, attribute: Level): Record<string, unknown> {
    // Distribution 5 ("inherit") yields no TLP, so the parent levels decide; any level only adds restriction.
    let tlp: Tlp | undefined;
    for (const level of [this.event, object, attribute]) {
      tlp = stricterTlp(tlp, stricterTlp(level?.marking.tlp, level?.distributionTlp));
    }
    const merged = mergeTags(this.event.marking.tags, object?.marking.tags ?? [], attribute.marking.tags);
    if (merged.cut.length > 0) {
      this.result.warnings.push({ uuid, code: 'MISP_TAGS_CUT', message: `more than 32 tags: ${merged.cut.length} dropped (${merged.cut.slice(0, 5).join(', ')}…)` });
    }
    const fields: Record<string, unknown> = {
      tlp: tlp ?? this.opts.defaultTlp ?? DEFAULT_TLP,
      confidence: this.opts.confidence ?? DEFAULT_CONFIDENCE,
      tags: merged.tags,
    };
    const firstSeen = seenValue(raw['first_seen']) ?? object?.firstSeen;
    const lastSeen = seenValue(raw['last_seen']) ?? object?.lastSeen;
    if (firstSeen !== undefined) fields['firstSeen'] = firstSeen;
    else if (this.eventDate !== null && (lastSeen === undefined || Date.parse(lastSeen) >= Date.parse(this.eventDate))) {
      // The event date is when the event occurred: the earliest the attribute is known to be seen.
      fields['firstSeen'] = this.eventDate;
    }
    if (lastSeen !== undefined) fields['lastSeen'] = lastSeen;
    const comment = typeof raw['comment'] === 'string' ? raw['comment'].trim() : '';
    if (comment !== '') {
      if (comment.length > MAX_DESCRIPTION_LENGTH) {
        this.result.warnings.push({ uuid, code: 'MISP_DESCRIPTION_CUT', message: `the comment was cut to ${MAX_DESCRIPTION_LENGTH} characters` });
      }
      fields['description'] = comment.slice(0, MAX_DESCRIPTION_LENGTH);
    }
    return fields;
  }

  private addCandidate(raw: JsonObject, candidate: Candidate, common: Record<string, unknown>, base: MispSource): void {
    const { component, ...identity } = candidate;
    const source: MispSource = component ? { ...base, component } : base;
    const parsed = this.parse({ ...identity, ...common }, source.uuid);
    if (!parsed.ok) {
      const first = parsed.errors[0];
      const reason = parsed.errors.map((e) => `${e.path.join('.') || 'indicator'}: ${e.message}`).join('; ');
      this.skip(raw, first?.code ?? 'VALIDATION_FAILED', reason, candidate.value);
      return;
    }
    const key = naturalKey(parsed.indicator);
    const earlier = this.byKey.get(key);
    if (earlier) {
      // One value, one indicator: the strictest marking of all its attributes wins, tags add up.
      earlier.input.tlp = stricterTlp(earlier.input.tlp, parsed.indicator.tlp) ?? earlier.input.tlp;
      earlier.input.tags = mergeTags(earlier.input.tags, parsed.indicator.tags).tags.sort();
      this.skip(raw, 'MISP_DUPLICATE_IN_EVENT', `same indicator as attribute ${earlier.uuid}; its TLP and tags were merged into that one`, candidate.value);
      return;
    }
    this.byKey.set(key, { input: parsed.indicator, uuid: source.uuid });
    this.result.items.push({ source, input: parsed.indicator });
  }

  /**
   * Validates with the one indicator schema. A tag or description the schema refuses is dropped
   * (with a warning) rather than losing the indicator; a bad value or timestamp skips it.
   */
  private parse(raw: Record<string, unknown>, uuid: string): { ok: true; indicator: IndicatorInput } | { ok: false; errors: FieldError[] } {
    const first = parseIndicatorInput(raw, this.ctx);
    if (first.ok) return first;
    const droppable = (e: FieldError) => e.path[0] === 'tags' || e.path[0] === 'description';
    if (!first.errors.every(droppable)) return { ok: false, errors: first.errors.filter((e) => !droppable(e)) };
    const badTags = new Set(first.errors.filter((e) => e.path[0] === 'tags' && typeof e.path[1] === 'number').map((e) => e.path[1] as number));
    const retry = { ...raw };
    const tags = (raw['tags'] as string[]).filter((_, i) => !badTags.has(i));
    retry['tags'] = first.errors.some((e) => e.path[0] === 'tags' && e.path.length === 1) ? [] : tags;
    if (first.errors.some((e) => e.path[0] === 'description')) delete retry['description'];
    for (const e of first.errors) {
      const what = e.path[0] === 'tags' && typeof e.path[1] === 'number' ? `tag ${JSON.stringify((raw['tags'] as string[])[e.path[1]])}` : String(e.path[0]);
      this.result.warnings.push({ uuid, code: e.path[0] === 'tags' ? 'MISP_TAG_DROPPED' : 'MISP_DESCRIPTION_DROPPED', message: `${what} dropped: ${e.message}` });
    }
    return parseIndicatorInput(retry, this.ctx);
  }

  private skip(raw: unknown, code: string, reason: string, value?: string): void {
    const attribute = isObject(raw) ? raw : {};
    const entry: MispSkipped = { type: typeof attribute['type'] === 'string' ? attribute['type'].slice(0, 60) : '', code, reason };
    if (isMispUuid(attribute['uuid'])) entry.uuid = attribute['uuid'].toLowerCase();
    const shown = value ?? (typeof attribute['value'] === 'string' ? attribute['value'] : undefined);
    if (shown !== undefined) entry.value = shown.length > 80 ? `${shown.slice(0, 80)}…` : shown;
    this.result.skipped.push(entry);
  }
}
