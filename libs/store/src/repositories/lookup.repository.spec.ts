import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, input, nodeId, openTestStore, type TestStore } from '../store.fixtures';
import type { Store } from '../store';

const OUT = (c: string) => c.repeat(128);

describe.each(BACKENDS)('lookup tables (%s)', (backend) => {
  let t: TestStore;
  let store: Store;
  const me = nodeId('me');
  beforeAll(async () => {
    t = await openTestStore(backend, 'lookups');
    store = t.store;
  });
  afterAll(async () => t?.dispose());

  it('follows indicator changes in commit order, matches eligible rows only, and switches epochs', async () => {
    const first = await store.lookups.startEpoch();
    expect(first).toMatchObject({ epoch: 1, state: 'building', builtSeq: '0' });
    await expect(store.lookups.startEpoch()).rejects.toMatchObject({ code: 'LOOKUP_ROTATION_IN_PROGRESS' });
    const [va, vb] = [`${nodeId('a')}@example.org`, `${nodeId('b')}@example.org`];
    const [a, b] = await store.indicators.upsertOwn(me, [input({ value: va }), input({ value: vb })]);
    const page = await store.lookups.sourcePage('0', 10);
    expect(page.eligible.map((s) => s.value).sort()).toEqual([va, vb].sort());
    const pks = page.eligible.map((s) => s.pk);
    await store.lookups.applyPage(1, [{ pk: pks[0]!, prfOutput: OUT('a') }, { pk: pks[1]!, prfOutput: OUT('b') }], [], page.lastSeq!);
    expect(await store.lookups.sourcePage(page.lastSeq!, 10)).toMatchObject({ eligible: [], ineligible: [], lastSeq: null });
    await store.lookups.activate(1);
    expect(await store.lookups.match(1, OUT('a'))).toMatchObject({ originNode: me });
    expect(await store.lookups.match(1, OUT('c'))).toBeNull();
    expect(await store.lookups.match(2, OUT('a'))).toBeNull();

    // A revoked indicator is still matched out of the table at once (the match checks eligibility), and the builder drops it.
    // pks[0] carries OUT('a'): revoke that indicator.
    const revokedId = page.eligible[0]!.value === va ? a!.id : b!.id;
    await store.indicators.revokeOwn(revokedId, 'false positive');
    const after = await store.lookups.sourcePage(page.lastSeq!, 10);
    expect(after.ineligible).toEqual([pks[0]]);
    expect(await store.lookups.match(1, OUT('a'))).toBeNull();
    expect(await store.lookups.match(1, OUT('b'))).not.toBeNull();
    await store.lookups.applyPage(1, [], after.ineligible, after.lastSeq!);

    const second = await store.lookups.startEpoch();
    expect(second.epoch).toBe(2);
    expect((await store.lookups.progress()).map((p) => [p.epoch, p.state])).toEqual([[1, 'active'], [2, 'building']]);
    await store.lookups.activate(2);
    expect((await store.lookups.progress()).map((p) => [p.epoch, p.state])).toEqual([[2, 'active']]);
    // The retired table still answers in-flight matches until dropRetired runs past the window.
    expect(await store.lookups.match(1, OUT('b'))).not.toBeNull();
    expect(await store.lookups.dropRetired(new Date(Date.now() - 60_000))).toEqual({ epochs: [], rows: 0 });
    expect(await store.lookups.dropRetired(new Date(Date.now() + 60_000))).toEqual({ epochs: [1], rows: 1 });
    expect(await store.lookups.match(1, OUT('b'))).toBeNull();
  });
});
