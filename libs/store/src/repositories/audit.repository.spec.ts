import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { BACKENDS, OFFICER_A, openTestStore, type TestStore } from '../store.fixtures';
import { query } from '../sql.helper';
import type { Store } from '../store';

describe.each(BACKENDS)('audit log (%s)', (backend) => {
  let t: TestStore;
  let store: Store;
  beforeAll(async () => {
    t = await openTestStore(backend, 'audit');
    store = t.store;
  });
  afterAll(async () => t?.dispose());

  it('appends events in order and lists them newest first, filtered and paged', async () => {
    const subject = 'sub-1';
    await store.audit.append([
      { actor: OFFICER_A, action: 'test.one', subjectType: 'thing', subjectId: subject, details: { n: 1 } },
      { actor: null, action: 'test.two', subjectType: 'thing', subjectId: subject, details: { n: 2 } },
    ]);
    await store.audit.append({ actor: OFFICER_A, action: 'test.one', subjectType: 'thing', subjectId: 'sub-2' });

    const all = await store.audit.list({ subjectType: 'thing', subjectId: subject });
    expect(all.items.map((e) => [e.action, e.details])).toEqual([
      ['test.two', { n: 2 }],
      ['test.one', { n: 1 }],
    ]);
    expect(all.items[0]!.actor).toBeNull();
    expect(all.items[1]!.actor).toEqual(OFFICER_A);
    expect(all.nextCursor).toBeNull();

    const first = await store.audit.list({ action: 'test.one', limit: 1 });
    expect(first.items.map((e) => e.subjectId)).toEqual(['sub-2']);
    const rest = await store.audit.list({ action: 'test.one', limit: 1, cursor: first.nextCursor! });
    expect(rest.items.map((e) => e.subjectId)).toEqual([subject]);
    expect((await store.audit.forSubject('thing', 'sub-2')).map((e) => e.details)).toEqual([{}]);
    await expect(store.audit.list({ cursor: 'garbage' })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
  });

  it('is append-only: the database refuses UPDATE and DELETE', async () => {
    await store.audit.append({ actor: null, action: 'test.fixed', subjectType: 'thing', subjectId: 'fixed' });
    const em = store.orm.em.fork() as unknown as EntityManager;
    await expect(query(em, `update audit_event set action = 'forged' where subject_id = 'fixed'`)).rejects.toThrow(/append-only/);
    await expect(query(em, `delete from audit_event where subject_id = 'fixed'`)).rejects.toThrow(/append-only/);
    expect((await store.audit.forSubject('thing', 'fixed')).map((e) => e.action)).toEqual(['test.fixed']);
  });

  it('stores hostile strings (NUL, lone surrogates, in keys and values) replaced, never crashing', async () => {
    const evil = 'a\u0000b\uD800c\uDFFFd\uD83D\uDE00';
    await store.audit.append({
      actor: { tokenId: OFFICER_A.tokenId, name: evil },
      action: `test.${evil}`,
      subjectType: 'thing',
      subjectId: evil,
      details: { [evil]: evil, nested: [evil, { deep: evil }], n: 1, ok: true, none: null },
    });
    const clean = 'a\uFFFDb\uFFFDc\uFFFDd\uD83D\uDE00';
    const [event] = (await store.audit.list({ subjectType: 'thing', subjectId: evil })).items;
    expect(event).toMatchObject({
      actor: { name: clean },
      action: `test.${clean}`,
      subjectId: clean,
      details: { [clean]: clean, nested: [clean, { deep: clean }], n: 1, ok: true, none: null },
    });
    await expect(store.audit.append({ actor: { tokenId: 'x', name: 'y' }, action: 'a', subjectType: 'b', subjectId: 'c' })).rejects.toMatchObject({
      code: 'INVALID_ACTOR',
    });
  });
});
