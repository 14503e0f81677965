import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from '@palermo/indicators';
import type { ActorRef, AuditEventInput } from '../governance.types';
import { query, toIso } from '../sql.helper';
import type { IndicatorInput } from '../store.types';
import { appendAudit, checkActor } from './audit.repository';
import { OWN_WRITE_LOCK, revokeOwnIn, upsertOwnIn } from './indicator.repository';
import { ownNaturalKey } from './own-upsert.plan';
import { Repository } from './repository.base';

/** Where imported objects come from: a STIX object id, or a MISP attribute uuid. */
export type ImportSource = 'stix' | 'misp';

/** One foreign object, already mapped and validated (input through the one indicator schema). */
export interface ImportObject {
  /** STIX id (`indicator--…`) or MISP attribute uuid. */
  refId: string;
  /** Version of the object (STIX `modified`, MISP attribute timestamp), ISO 8601. */
  modified: string;
  /** STIX `revoked: true`: revoke the indicator, for good. */
  revoked: boolean;
  /** The indicator it states; ignored when revoked (and may be absent then). */
  input?: IndicatorInput;
  /**
   * A revocation that only matters for an object imported before (a MISP deletion): for an id never
   * seen it changes and remembers nothing ("skipped", not counted), so the attribute may still come back.
   */
  onlyIfKnown?: boolean;
  /** Provenance kept with the reference (e.g. the MISP event uuid). */
  context?: string | null;
  /**
   * Id of an own indicator of this node the object names (a file this node exported, coming back):
   * the first import of the object maps onto that indicator instead of creating one.
   */
  ownId?: string;
}

/** What became of one object. */
export type ImportOutcome =
  | { refId: string; status: 'created' | 'updated' | 'unchanged' | 'revoked'; indicatorId: string | null; replaced?: string }
  /** An `onlyIfKnown` revocation of an id never imported: nothing to do, nothing remembered. */
  | { refId: string; status: 'skipped'; indicatorId: null }
  | { refId: string; status: 'failed'; code: string; reason: string };

interface RefRow {
  ref_id: string;
  modified: Date | string;
  indicator_id: string | null;
  revoked: boolean;
  type: string | null;
  value: string | null;
  platform: string | null;
  chain: string | null;
  indicator_revoked: boolean | null;
}

const REFS_SQL = `
  select r.ref_id, r.modified, r.indicator_id, r.revoked, i.type, i.value, i.platform, i.chain,
         (i.revoked_at is not null) as indicator_revoked
  from stix_ref r
  left join indicator i on i.own and i.origin_id = r.indicator_id
  where r.source = ? and r.ref_id in (select json_array_elements_text(?::text::json))`;

// A revocation is never undone and a remembered indicator is never forgotten by a later row.
const SAVE_REFS_SQL = `
  insert into stix_ref (source, ref_id, modified, indicator_id, revoked, context, imported_by_token, imported_by_name)
  select ?, x.ref_id, x.modified, x.indicator_id, x.revoked, x.context, ?::uuid, ?
  from json_to_recordset(?::text::json) as x(ref_id text, modified timestamptz, indicator_id text, revoked boolean, context text)
  on conflict (source, ref_id) do update set
    modified = greatest(stix_ref.modified, excluded.modified),
    indicator_id = coalesce(excluded.indicator_id, stix_ref.indicator_id),
    revoked = stix_ref.revoked or excluded.revoked,
    context = coalesce(excluded.context, stix_ref.context),
    imported_at = now(), imported_by_token = excluded.imported_by_token, imported_by_name = excluded.imported_by_name`;

const OWN_IDS_SQL = `
  select origin_id from indicator where own and origin_id in (select json_array_elements_text(?::text::json))`;

/** Imports of STIX and MISP files: whole files in one transaction, idempotent by object id + version. */
export class StixImportRepository extends Repository {
  /**
   * Runs `work` in ONE transaction holding the own-write lock: every batch it applies commits
   * together or not at all. Concurrent own writes (POST /indicators) wait for it, so callers read and
   * validate the whole file first and only apply already mapped objects here (a short transaction).
   */
  async run<T>(source: ImportSource, nodeId: string, actor: ActorRef | null, work: (session: ImportSession) => Promise<T>): Promise<T> {
    checkActor(actor);
    return this.transaction(async (em) => {
      await query(em, OWN_WRITE_LOCK);
      return work(new ImportSession(em, source, nodeId, actor));
    });
  }
}

/** One import's transaction: apply batches, then audit. */
export class ImportSession {
  constructor(
    private readonly em: EntityManager,
    private readonly source: ImportSource,
    private readonly nodeId: string,
    private readonly actor: ActorRef | null,
  ) {}

  /**
   * Applies one batch. The caller guarantees distinct refIds and distinct natural keys within a
   * batch (a file that repeats either splits into several batches). Per object:
   * - same or older version than the one imported before → unchanged;
   * - after a revocation → failed ALREADY_REVOKED (STIX revocation is permanent), unless it is a
   *   later copy of the revocation itself (unchanged);
   * - `revoked` → the mapped indicator is revoked (or, if none was imported yet, the revocation is
   *   remembered so an older copy never creates it);
   * - a newer version naming another value → the old indicator is revoked ("superseded") and the
   *   reference moves to the indicator of the new value;
   * - an indicator revoked on this node by an analyst is not brought back → failed INDICATOR_REVOKED.
   */
  async apply(objects: readonly ImportObject[]): Promise<ImportOutcome[]> {
    if (objects.length === 0) return [];
    checkDistinct(objects);
    const known = await query<RefRow>(this.em, REFS_SQL, [this.source, JSON.stringify(objects.map((o) => o.refId))]);
    const refs = new Map(known.map((row) => [row.ref_id, row]));
    const owned = await this.ownIndicators(objects.filter((o) => o.ownId !== undefined && !refs.has(o.refId)).map((o) => o.ownId!));
    const outcomes: ImportOutcome[] = new Array(objects.length);
    const upserts: { index: number; input: IndicatorInput; replaced?: string }[] = [];
    const saved: SavedRef[] = [];
    for (const [index, obj] of objects.entries()) {
      const ref = refs.get(obj.refId);
      const modified = new Date(obj.modified).toISOString();
      const step = !ref && obj.ownId !== undefined && owned.has(obj.ownId) ? ({ kind: 'own' } as const) : !ref && obj.onlyIfKnown ? ({ kind: 'skipped' } as const) : decide(obj, modified, ref);
      if (step.kind === 'own') {
        // This node's own indicator come back in a file: remembered, never re-created or changed by it.
        outcomes[index] = { refId: obj.refId, status: 'unchanged', indicatorId: obj.ownId! };
        saved.push({ ref_id: obj.refId, modified, indicator_id: obj.ownId!, revoked: false, context: obj.context ?? null });
      } else if (step.kind === 'skipped') {
        outcomes[index] = { refId: obj.refId, status: 'skipped', indicatorId: null };
      } else if (step.kind === 'unchanged') {
        outcomes[index] = { refId: obj.refId, status: 'unchanged', indicatorId: ref?.indicator_id ?? null };
      } else if (step.kind === 'failed') {
        outcomes[index] = { refId: obj.refId, status: 'failed', code: step.code, reason: step.reason };
      } else if (step.kind === 'revoke') {
        if (step.indicatorId) await revokeOwnIn(this.em, step.indicatorId, `revoked by ${this.source} ${obj.refId} (modified ${modified})`);
        outcomes[index] = { refId: obj.refId, status: 'revoked', indicatorId: ref?.indicator_id ?? null };
        saved.push({ ref_id: obj.refId, modified, indicator_id: null, revoked: true, context: obj.context ?? null });
      } else {
        if (step.replaces) await revokeOwnIn(this.em, step.replaces, `superseded: ${this.source} ${obj.refId} (modified ${modified}) now names another value`);
        upserts.push({ index, input: obj.input!, replaced: step.replaces });
      }
    }
    await this.upsert(objects, upserts, outcomes, saved);
    if (saved.length > 0) {
      await query(this.em, SAVE_REFS_SQL, [this.source, this.actor?.tokenId ?? null, this.actor?.name ?? null, JSON.stringify(saved)]);
    }
    return outcomes;
  }

  private async upsert(
    objects: readonly ImportObject[],
    upserts: { index: number; input: IndicatorInput; replaced?: string }[],
    outcomes: ImportOutcome[],
    saved: SavedRef[],
  ): Promise<void> {
    const results = await upsertOwnIn(this.em, this.nodeId, upserts.map((u) => u.input));
    upserts.forEach((u, n) => {
      const result = results[n]!;
      const obj = objects[u.index]!;
      const status = u.replaced ? 'updated' : result.status;
      outcomes[u.index] = { refId: obj.refId, status, indicatorId: result.id, ...(u.replaced ? { replaced: u.replaced } : {}) };
      saved.push({ ref_id: obj.refId, modified: new Date(obj.modified).toISOString(), indicator_id: result.id, revoked: false, context: obj.context ?? null });
    });
  }

  private async ownIndicators(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await query<{ origin_id: string }>(this.em, OWN_IDS_SQL, [JSON.stringify(ids)]);
    return new Set(rows.map((r) => r.origin_id));
  }

  /** Appends the import's audit entry inside its transaction. */
  async audit(event: Omit<AuditEventInput, 'actor'>): Promise<void> {
    await appendAudit(this.em, [{ ...event, actor: this.actor }]);
  }
}

interface SavedRef {
  ref_id: string;
  modified: string;
  indicator_id: string | null;
  revoked: boolean;
  context: string | null;
}

type Step =
  | { kind: 'unchanged' }
  | { kind: 'failed'; code: string; reason: string }
  | { kind: 'revoke'; indicatorId: string | null }
  | { kind: 'upsert'; replaces?: string };

/** What one object does, given what the last import of its id left (see ImportSession.apply). */
function decide(obj: ImportObject, modified: string, ref: RefRow | undefined): Step {
  if (ref && modified <= toIso(ref.modified)) return { kind: 'unchanged' };
  if (ref?.revoked && obj.revoked) return { kind: 'unchanged' };
  if (ref?.revoked) return { kind: 'failed', code: 'ALREADY_REVOKED', reason: 'this object was revoked by an earlier import; a revocation is permanent' };
  if (obj.revoked) return { kind: 'revoke', indicatorId: ref?.indicator_id && !ref.indicator_revoked ? ref.indicator_id : null };
  if (!obj.input) return { kind: 'failed', code: 'IMPORT_OBJECT_INVALID', reason: 'an object that is not a revocation needs an indicator' };
  if (!ref?.indicator_id) return { kind: 'upsert' };
  if (ref.indicator_revoked) {
    return { kind: 'failed', code: 'INDICATOR_REVOKED', reason: `indicator ${ref.indicator_id} was revoked on this node; a newer version does not bring it back` };
  }
  return ref.value !== null && !sameValue(ref, obj.input) ? { kind: 'upsert', replaces: ref.indicator_id } : { kind: 'upsert' };
}

function sameValue(ref: RefRow, input: IndicatorInput): boolean {
  return ownNaturalKey({ type: ref.type ?? '', value: ref.value ?? '', platform: ref.platform, chain: ref.chain }) === ownNaturalKey(input);
}

function checkDistinct(objects: readonly ImportObject[]): void {
  const refs = new Set<string>();
  const keys = new Set<string>();
  for (const obj of objects) {
    const key = obj.revoked || !obj.input ? null : ownNaturalKey(obj.input);
    if (refs.has(obj.refId) || (key !== null && keys.has(key))) {
      throw new DomainError('IMPORT_BATCH_NOT_DISTINCT', 'an import batch repeats an object id or a value');
    }
    refs.add(obj.refId);
    if (key !== null) keys.add(key);
  }
}
