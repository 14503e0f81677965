import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, input, nodeId, openTestStore, type TestStore } from '../store.fixtures';
import type { Store } from '../store';
import type { ImportObject } from './stix-import.repository';

// The import session on both databases: one transaction per file, versions by `modified`,
// permanent revocations, value changes, and nothing left behind by a failed or dry run.

const ACTOR = { tokenId: randomUUID(), name: 'spec analyst' };
const ref = () => `indicator--${randomUUID()}`;
const obj = (refId: string, value: string, modified: string, extra: Partial<ImportObject> = {}): ImportObject => ({
  refId,
  modified,
  revoked: false,
  input: input({ type: 'domain', value }),
  ...extra,
});

describe.each(BACKENDS)('STIX/MISP import sessions (%s)', (backend) => {
  let t: TestStore;
  let store: Store;
  const me = nodeId('me');
  const apply = (objects: ImportObject[], source: 'stix' | 'misp' = 'stix') => store.stixImports.run(source, me, ACTOR, (s) => s.apply(objects));
  const current = async (value: string) => (await store.indicators.search({ type: 'domain', value, limit: 10 })).items;

  beforeAll(async () => {
    t = await openTestStore(backend, 'stix_import');
    store = t.store;
  });
  afterAll(async () => t?.dispose());

  it('creates, then leaves equal and older versions alone, then updates on a newer one', async () => {
    const id = ref();
    const [created] = await apply([obj(id, 'a.example', '2026-01-01T00:00:00Z')]);
    expect(created).toMatchObject({ status: 'created', indicatorId: expect.any(String) });
    expect(await apply([obj(id, 'a.example', '2026-01-01T00:00:00Z', { input: input({ type: 'domain', value: 'a.example', confidence: 99 }) })])).toEqual([
      { refId: id, status: 'unchanged', indicatorId: (created as { indicatorId: string }).indicatorId },
    ]);
    expect((await current('a.example'))[0]).toMatchObject({ confidence: 60, version: 1 });
    const [updated] = await apply([obj(id, 'a.example', '2026-02-01T00:00:00Z', { input: input({ type: 'domain', value: 'a.example', confidence: 99 }) })]);
    expect(updated).toMatchObject({ status: 'updated' });
    expect((await current('a.example'))[0]).toMatchObject({ confidence: 99, version: 2 });
  });

  it('moves a reference to the new value and revokes the old indicator', async () => {
    const id = ref();
    const [first] = await apply([obj(id, 'old.example', '2026-01-01T00:00:00Z')]);
    const [second] = await apply([obj(id, 'new.example', '2026-02-01T00:00:00Z')]);
    expect(second).toMatchObject({ status: 'updated', replaced: (first as { indicatorId: string }).indicatorId });
    expect(await current('old.example')).toEqual([]);
    expect(await current('new.example')).toHaveLength(1);
  });

  it('revokes for good: older copies stay unchanged, newer ones fail ALREADY_REVOKED', async () => {
    const id = ref();
    await apply([obj(id, 'rev.example', '2026-01-01T00:00:00Z')]);
    expect(await apply([obj(id, 'rev.example', '2026-02-01T00:00:00Z', { revoked: true })])).toMatchObject([{ status: 'revoked' }]);
    expect(await current('rev.example')).toEqual([]);
    expect(await apply([obj(id, 'rev.example', '2026-01-01T00:00:00Z')])).toMatchObject([{ status: 'unchanged' }]);
    expect(await apply([obj(id, 'rev.example', '2026-03-01T00:00:00Z')])).toMatchObject([{ status: 'failed', code: 'ALREADY_REVOKED' }]);
    expect(await apply([obj(id, 'rev.example', '2026-04-01T00:00:00Z', { revoked: true })])).toMatchObject([{ status: 'unchanged' }]);
    expect(await current('rev.example')).toEqual([]);
  });

  it('does not bring back an indicator an analyst revoked on this node', async () => {
    const id = ref();
    const [first] = await apply([obj(id, 'analyst-revoked.example', '2026-01-01T00:00:00Z')]);
    await store.indicators.revokeOwn((first as { indicatorId: string }).indicatorId, 'false positive');
    expect(await apply([obj(id, 'analyst-revoked.example', '2026-02-01T00:00:00Z')])).toMatchObject([{ status: 'failed', code: 'INDICATOR_REVOKED' }]);
    expect(await current('analyst-revoked.example')).toEqual([]);
  });

  it("maps a file's copy of an own indicator onto it (never a second own indicator, never a change)", async () => {
    const [own] = await store.indicators.upsertOwn(me, [input({ type: 'domain', value: 'own.example', confidence: 70 })]);
    const id = ref();
    // Another value and confidence in the copy: the own indicator is what counts, the copy only maps to it.
    const copy = obj(id, 'own.example', '2027-01-01T00:00:00Z', { ownId: own!.id, input: input({ type: 'domain', value: 'own.example', confidence: 10 }) });
    expect(await apply([copy])).toEqual([{ refId: id, status: 'unchanged', indicatorId: own!.id }]);
    expect(await current('own.example')).toMatchObject([{ id: own!.id, confidence: 70, version: 1 }]);
    // Remembered: the same copy again is unchanged by reference.
    expect(await apply([copy])).toEqual([{ refId: id, status: 'unchanged', indicatorId: own!.id }]);
    // An own id this node does not hold (purged, or invented) is imported like any other object.
    expect(await apply([obj(ref(), 'gone.example', '2027-01-01T00:00:00Z', { ownId: randomUUID() })])).toMatchObject([{ status: 'created' }]);
  });

  it('a revocation onlyIfKnown (a MISP deletion) revokes what the id made before, and skips an id never seen', async () => {
    const known = randomUUID();
    await apply([obj(known, 'misp-deleted.example', '2026-01-01T00:00:00Z')], 'misp');
    expect(await apply([{ refId: known, modified: '2026-02-01T00:00:00Z', revoked: true, onlyIfKnown: true }], 'misp')).toMatchObject([{ status: 'revoked' }]);
    expect(await current('misp-deleted.example')).toEqual([]);
    const unknown = randomUUID();
    expect(await apply([{ refId: unknown, modified: '2026-02-01T00:00:00Z', revoked: true, onlyIfKnown: true }], 'misp')).toEqual([{ refId: unknown, status: 'skipped', indicatorId: null }]);
    // Nothing was remembered: the attribute can still arrive (e.g. restored in MISP).
    expect(await apply([obj(unknown, 'misp-restored.example', '2026-03-01T00:00:00Z')], 'misp')).toMatchObject([{ status: 'created' }]);
  });

  it('keeps STIX ids and MISP uuids apart', async () => {
    const id = randomUUID();
    await apply([obj(id, 'misp-side.example', '2026-06-01T00:00:00Z')], 'misp');
    // An older version under the same id would be "unchanged" if the two sources shared references.
    expect(await apply([obj(id, 'stix-side.example', '2026-01-01T00:00:00Z')], 'stix')).toMatchObject([{ status: 'created' }]);
    expect(await current('misp-side.example')).toHaveLength(1);
  });

  it('rolls back every batch of a file when the file fails later, audit entry included', async () => {
    const before = await store.audit.list({ action: 'stix.import' });
    await expect(
      store.stixImports.run('stix', me, ACTOR, async (s) => {
        await s.apply([obj(ref(), 'rolled-back.example', '2026-01-01T00:00:00Z')]);
        await s.audit({ action: 'stix.import', subjectType: 'stix-import', subjectId: randomUUID(), details: {} });
        throw new Error('truncated file');
      }),
    ).rejects.toThrow('truncated file');
    expect(await current('rolled-back.example')).toEqual([]);
    expect((await store.audit.list({ action: 'stix.import' })).items).toHaveLength(before.items.length);
  });

  it('refuses a batch that repeats an id or a value (the caller splits those)', async () => {
    const id = ref();
    await expect(apply([obj(id, 'x.example', '2026-01-01T00:00:00Z'), obj(id, 'y.example', '2026-01-02T00:00:00Z')])).rejects.toMatchObject({ code: 'IMPORT_BATCH_NOT_DISTINCT' });
    await expect(apply([obj(ref(), 'z.example', '2026-01-01T00:00:00Z'), obj(ref(), 'z.example', '2026-01-01T00:00:00Z')])).rejects.toMatchObject({ code: 'IMPORT_BATCH_NOT_DISTINCT' });
  });
});
