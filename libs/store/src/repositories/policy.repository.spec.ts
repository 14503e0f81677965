import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { BACKENDS, OFFICER_A, OFFICER_B, openTestStore, type TestStore } from '../store.fixtures';
import type { Store } from '../store';

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe.each(BACKENDS)('policy versions (%s)', (backend) => {
  let t: TestStore;
  let store: Store;
  beforeAll(async () => {
    t = await openTestStore(backend, 'policies');
    store = t.store;
  });
  afterAll(async () => t?.dispose());

  it('numbers versions, makes the newest active and audits each change without its text', async () => {
    expect(await store.policies.active()).toBeNull();
    expect(await store.policies.list()).toEqual([]);
    const v1Text = '@id("default.share")\npermit (principal, action, resource);\n';
    const v1 = await store.policies.add({ text: v1Text, sha256: sha(v1Text), author: null, comment: 'seeded from file' });
    expect(v1).toMatchObject({ version: 1, text: v1Text, author: null, comment: 'seeded from file', active: true });
    const v2Text = `${v1Text}// stricter\n`;
    const v2 = await store.policies.add({ text: v2Text, sha256: sha(v2Text), author: OFFICER_A });
    expect(v2).toMatchObject({ version: 2, author: OFFICER_A, comment: null, active: true });

    expect(await store.policies.active()).toEqual(v2);
    expect(await store.policies.get(1)).toEqual({ ...v1, active: false });
    expect(await store.policies.get(2)).toEqual(v2);
    expect(await store.policies.get(3)).toBeNull();
    expect(await store.policies.get(-1)).toBeNull();
    const summaries = await store.policies.list();
    expect(summaries.map((s) => [s.version, s.active, s.sha256])).toEqual([
      [2, true, sha(v2Text)],
      [1, false, sha(v1Text)],
    ]);
    expect(summaries[0]).not.toHaveProperty('text');

    const audit = await store.audit.list({ action: 'policy.changed' });
    expect(audit.items.map((e) => [e.subjectId, e.actor, e.details])).toEqual([
      ['2', OFFICER_A, { version: 2, sha256: sha(v2Text), comment: null, unsentBundlesRedecided: 0, backfillsRestarted: 0 }],
      ['1', null, { version: 1, sha256: sha(v1Text), comment: 'seeded from file', unsentBundlesRedecided: 0, backfillsRestarted: 0 }],
    ]);
    expect(JSON.stringify(audit.items)).not.toContain('permit');
  });

  it('gives concurrent saves consecutive versions', async () => {
    const before = (await store.policies.active())?.version ?? 0;
    const texts = Array.from({ length: 5 }, (_, i) => `// concurrent ${i}\n`);
    const saved = await Promise.all(texts.map((text, i) => store.policies.add({ text, sha256: sha(text), author: i % 2 ? OFFICER_A : OFFICER_B })));
    expect(saved.map((s) => s.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5].map((n) => before + n));
    expect((await store.policies.active())?.version).toBe(before + 5);
  });

  it('refuses text it could not store exactly, a malformed hash and a bad author; stores a hostile comment replaced', async () => {
    const before = (await store.policies.active())?.version;
    await expect(store.policies.add({ text: 'permit\u0000', sha256: sha('x'), author: null })).rejects.toMatchObject({ code: 'POLICY_TEXT_UNSTORABLE' });
    await expect(store.policies.add({ text: 'permit \uD800', sha256: sha('x'), author: null })).rejects.toMatchObject({ code: 'POLICY_TEXT_UNSTORABLE' });
    await expect(store.policies.add({ text: 'ok', sha256: 'ABC', author: null })).rejects.toMatchObject({ code: 'POLICY_SHA256_INVALID' });
    await expect(store.policies.add({ text: 'ok', sha256: sha('ok'), author: { tokenId: '1', name: 'x' } })).rejects.toMatchObject({ code: 'INVALID_ACTOR' });
    expect((await store.policies.active())?.version).toBe(before);
    const saved = await store.policies.add({ text: '// fine\n', sha256: sha('// fine\n'), author: { ...OFFICER_A, name: 'x\u0000' }, comment: 'c\u0000\uDC00' });
    expect(saved).toMatchObject({ comment: 'c\uFFFD\uFFFD', author: { name: 'x\uFFFD' } });
    expect(await store.policies.get(saved.version)).toMatchObject({ comment: 'c\uFFFD\uFFFD', author: { name: 'x\uFFFD' } });
  });
});
