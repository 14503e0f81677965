import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase, tempDir } from '@palermo/testing';
import { BACKENDS, OFFICER_A, openTestStore, type TestStore } from '../store.fixtures';
import { openStore } from '../store.open';
import { query } from '../sql.helper';
import type { Store } from '../store';
import type { AuditEventRecord } from '../governance.types';
import { AuditChainChecker, auditEntryHash } from './audit.chain';

/** Every entry, oldest first, through the paged API the CLI uses. */
async function allEntries(store: Store): Promise<AuditEventRecord[]> {
  const out: AuditEventRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.audit.entries({ cursor, limit: 7 });
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

function firstProblem(entries: AuditEventRecord[], checkpoints: { seq: number; hash: string }[] = []) {
  const checker = new AuditChainChecker();
  for (const c of checkpoints) checker.watch(c.seq);
  for (const e of entries) {
    const problem = checker.add(e);
    if (problem) return problem;
  }
  for (const c of checkpoints) {
    const problem = checker.checkCheckpoint(c);
    if (problem) return problem;
  }
  return null;
}

describe.each(BACKENDS)('audit hash chain (%s)', (backend) => {
  let t: TestStore;
  let store: Store;
  beforeAll(async () => {
    t = await openTestStore(backend, 'audit_chain');
    store = t.store;
  });
  afterAll(async () => t?.dispose());

  it('chains every entry (seq 1…n, prev = previous hash, hash recomputable) and moves the head', async () => {
    await store.audit.append([
      { actor: OFFICER_A, action: 'chain.one', subjectType: 'thing', subjectId: 'a', details: { z: 1, a: [1.5, 'x', null], nested: { b: true } } },
      { actor: null, action: 'chain.two', subjectType: 'thing', subjectId: 'b' },
    ]);
    await store.audit.append({ actor: { tokenId: OFFICER_A.tokenId.toUpperCase(), name: 'x\u0000y' }, action: 'chain.three', subjectType: 'thing', subjectId: 'c', details: { big: 1e21, tiny: 5e-324 } });
    const entries = await allEntries(store);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    expect(entries[0]!.prevHash).toBeNull();
    expect(firstProblem(entries)).toBeNull();
    for (const e of entries) expect(auditEntryHash(e)).toBe(e.hash);
    expect(await store.audit.head()).toEqual({ seq: entries.length, hash: entries.at(-1)!.hash });
  });

  it('keeps appends from parallel transactions gapless and chained (commit order)', async () => {
    const before = (await store.audit.head()).seq;
    await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        store.audit.append(Array.from({ length: (i % 3) + 1 }, (_, j) => ({ actor: null, action: 'chain.parallel', subjectType: 'thing', subjectId: `${i}.${j}` }))),
      ),
    );
    const entries = await allEntries(store);
    expect(entries.length).toBe(before + 24 * 2);
    expect(firstProblem(entries)).toBeNull();
  });

  it('refuses UPDATE, DELETE and TRUNCATE of entries and checkpoints, and a head that moves back', async () => {
    const em = store.orm.em.fork() as unknown as EntityManager;
    await expect(query(em, `update audit_event set seq = seq + 1000 where seq = 1`)).rejects.toThrow(/append-only/);
    await expect(query(em, `delete from audit_event where seq = 1`)).rejects.toThrow(/append-only/);
    await expect(query(em, `truncate audit_event`)).rejects.toThrow(/append-only/);
    await expect(query(em, `update audit_head set seq = 0, hash = null`)).rejects.toThrow(/forward/);
    await expect(query(em, `delete from audit_head`)).rejects.toThrow(/forward/);
    const head = await store.audit.head();
    await store.audit.addCheckpoint({ node: 'nl-police', seq: head.seq, hash: head.hash!, at: new Date().toISOString(), signer: 'f'.repeat(40), signature: 'sig' });
    await expect(query(em, `update audit_checkpoint set seq = 1`)).rejects.toThrow(/append-only/);
    await expect(query(em, `truncate audit_checkpoint`)).rejects.toThrow(/append-only/);
    expect(firstProblem(await allEntries(store))).toBeNull();
  });

  it('stores a checkpoint only for an entry that exists with that hash', async () => {
    const head = await store.audit.head();
    const at = new Date().toISOString();
    await expect(store.audit.addCheckpoint({ node: 'n', seq: head.seq, hash: 'a'.repeat(64), at, signer: 'f', signature: 's' })).rejects.toMatchObject({ code: 'AUDIT_CHECKPOINT_UNKNOWN_ENTRY' });
    await expect(store.audit.addCheckpoint({ node: 'n', seq: head.seq + 5, hash: head.hash!, at, signer: 'f', signature: 's' })).rejects.toMatchObject({ code: 'AUDIT_CHECKPOINT_UNKNOWN_ENTRY' });
    const latest = await store.audit.latestCheckpoint();
    expect(latest).toMatchObject({ seq: head.seq, hash: head.hash });
    expect((await store.audit.checkpoints()).items.at(-1)).toEqual(latest);
  });

  it('filters entries by action, subject and actor, oldest first', async () => {
    const page = await store.audit.entries({ action: 'chain.parallel', limit: 1000 });
    expect(page.items.length).toBe(48);
    expect(page.items.map((e) => e.seq)).toEqual([...page.items.map((e) => e.seq)].sort((a, b) => a - b));
    expect((await store.audit.entries({ actor: OFFICER_A.tokenId })).items.map((e) => e.action)).toEqual(['chain.one', 'chain.three']);
    expect((await store.audit.entries({ actor: 'not-a-uuid' })).items).toEqual([]);
    await expect(store.audit.entries({ cursor: 'garbage' })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
  });
});

describe.each(BACKENDS)('audit chain migration (%s)', (backend) => {
  it('chains the entries written before it, in id order', async () => {
    const dir = backend === 'pglite' ? tempDir('audit-upgrade') : undefined;
    const db = backend === 'postgresql' ? await createTestDatabase('audit_upgrade') : undefined;
    const options = dir ? { pgliteDir: join(dir, 'pglite') } : { databaseUrl: db!.url };
    try {
      const first = await openStore(options);
      // Back to the schema before the chain (and whatever came after it).
      await first.orm.getMigrator().down({ to: 'Migration20261130000400AuditChain' });
      const em = first.orm.em.fork() as unknown as EntityManager;
      for (let i = 0; i < 3; i++) {
        await query(em, `insert into audit_event (actor_token, actor_name, action, subject_type, subject_id, details)
          values (${i === 1 ? 'null' : `'${OFFICER_A.tokenId}'`}, ${i === 1 ? 'null' : `'officer'`}, 'old.event', 'thing', '${i}', '{"n": ${i}, "s": "é"}')`);
      }
      await first.close();
      const upgraded = await openStore(options);
      try {
        const entries = await allEntries(upgraded);
        expect(entries.map((e) => [e.seq, e.subjectId])).toEqual([[1, '0'], [2, '1'], [3, '2']]);
        expect(firstProblem(entries)).toBeNull();
        await upgraded.audit.append({ actor: null, action: 'new.event', subjectType: 'thing', subjectId: '3' });
        const after = await allEntries(upgraded);
        expect(after.at(-1)).toMatchObject({ seq: 4, prevHash: entries[2]!.hash });
        expect(firstProblem(after)).toBeNull();
      } finally {
        await upgraded.close();
      }
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
      await db?.drop();
    }
  });
});

describe('AuditChainChecker names the first bad entry', () => {
  const entries = (): AuditEventRecord[] => {
    const out: AuditEventRecord[] = [];
    let prev: string | null = null;
    for (let seq = 1; seq <= 6; seq++) {
      const fields = { seq, at: `2026-11-30T00:00:0${seq}.000Z`, actor: null, action: 'a', subjectType: 't', subjectId: String(seq), details: { seq }, prevHash: prev };
      const hash = auditEntryHash(fields);
      out.push({ id: String(seq), ...fields, hash });
      prev = hash;
    }
    return out;
  };

  it.each([
    ['an edited field', (l: AuditEventRecord[]) => { l[2] = { ...l[2]!, action: 'forged' }; return l; }, { kind: 'edited', seq: 3 }],
    ['an edited detail', (l: AuditEventRecord[]) => { l[3] = { ...l[3]!, details: { seq: 99 } }; return l; }, { kind: 'edited', seq: 4 }],
    ['a deleted middle entry', (l: AuditEventRecord[]) => l.filter((e) => e.seq !== 3), { kind: 'deleted', seq: 3 }],
    ['a deleted first entry', (l: AuditEventRecord[]) => l.slice(1), { kind: 'deleted', seq: 1 }],
    ['two swapped entries', (l: AuditEventRecord[]) => { const [a, b] = [l[2]!, l[3]!]; l[2] = { ...b, seq: 3 }; l[3] = { ...a, seq: 4 }; return l; }, { kind: 'reordered', seq: 3 }],
    ['a rewritten tail (hashes recomputed)', (l: AuditEventRecord[]) => rechain(l.map((e) => (e.seq === 5 ? { ...e, action: 'forged' } : e))), { kind: 'edited', seq: 6 }],
  ])('%s', (_name, tamper, expected) => {
    const tampered = tamper(entries());
    expect(firstProblem(tampered, [{ seq: 6, hash: entries()[5]!.hash }])).toMatchObject(expected);
  });

  it('deleted last entries: only a checkpoint beyond the end shows them', () => {
    const cut = entries().slice(0, 4);
    expect(firstProblem(cut)).toBeNull();
    expect(firstProblem(cut, [{ seq: 6, hash: entries()[5]!.hash }])).toMatchObject({ kind: 'deleted', seq: 5 });
  });
});

function rechain(list: AuditEventRecord[]): AuditEventRecord[] {
  let prev: string | null = null;
  return list.map((e) => {
    const next = { ...e, prevHash: prev };
    next.hash = auditEntryHash(next);
    prev = next.hash;
    return next;
  });
}
