import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptAll, activeAgreement, BACKENDS, bundleOf, input, nodeId, openTestStore, wire, type TestStore } from '../store.fixtures';
import type { Store } from '../store';

describe.each(BACKENDS)('bundles and quarantine (%s)', (backend) => {
  let t: TestStore;
  let store: Store;
  const me = nodeId('me');
  beforeAll(async () => {
    t = await openTestStore(backend, 'bundles');
    store = t.store;
    // A partner's chain takes bundles only under an agreement in force.
    await activeAgreement(store, 'be-police');
  });
  afterAll(async () => t?.dispose());

  /** Pending own indicator ids of one origin (other tests of the suite have their own origins). */
  async function pendingOf(origin: string): Promise<string[]> {
    return (await store.indicators.pendingExport(1000)).filter((p) => p.indicator.origin === origin).map((p) => p.id);
  }

  it('queues outbound bundles in chain order until JetStream acknowledged them', async () => {
    const first = bundleOf(me, 'all', 1, null, []);
    const second = bundleOf(me, 'all', 2, first.hash, []);
    const partner = bundleOf(me, 'be-police', 1, null, []);
    for (const made of [first, second, partner]) await store.bundles.saveOutbound({ ...made, exported: [] });
    expect(await store.bundles.chainHead(me, 'all')).toEqual({ seq: 2, hash: second.hash });
    expect(await store.bundles.chainHead(me, 'nobody')).toBeNull();

    const queued = await store.bundles.unpublishedOutbound();
    expect(queued.map((b) => b.hash)).toEqual([first.hash, second.hash, partner.hash]);
    expect(Buffer.from(queued[0]!.bytes!).equals(Buffer.from(first.bytes))).toBe(true);

    expect((await store.bundles.unpublishedOutbound(100, ['be-police'])).map((b) => b.hash)).toEqual([partner.hash]);
    expect((await store.bundles.unpublishedOutbound(1, ['all', 'be-police'])).map((b) => b.hash)).toEqual([first.hash]);
    expect(await store.bundles.unpublishedOutbound(100, [])).toEqual([]);

    expect(await store.bundles.markPublished(first.hash, 41)).toBe(true);
    expect(await store.bundles.markPublished('f'.repeat(64), 1)).toBe(false);
    expect((await store.bundles.unpublishedOutbound()).map((b) => b.hash)).toEqual([second.hash, partner.hash]);
    expect(await store.bundles.get(first.hash)).toMatchObject({ streamSeq: 41, publishedAt: expect.any(String) });
  });

  it('resync reads only the published bundles of one own chain, in seq order, from a seq, with the published head', async () => {
    const owner = nodeId('me');
    const b1 = bundleOf(owner, 'all', 1, null, []);
    const b2 = bundleOf(owner, 'all', 2, b1.hash, []);
    const b3 = bundleOf(owner, 'all', 3, b2.hash, []);
    const other = bundleOf(owner, 'be-police', 1, null, []);
    for (const made of [b1, b2, b3, other]) await store.bundles.saveOutbound({ ...made, exported: [] });
    expect(await store.bundles.publishedRange(owner, 'all', { fromSeq: 1, limit: 10 })).toEqual({ headSeq: null, bundles: [] });
    for (const [made, streamSeq] of [[b1, 7], [b2, 8], [other, 9]] as const) await store.bundles.markPublished(made.hash, streamSeq);
    // b3 is stored but not yet handed to JetStream: nobody can have missed it, so it is not sent.
    const all = await store.bundles.publishedRange(owner, 'all', { fromSeq: 1, limit: 10 });
    expect(all.headSeq).toBe(2);
    expect(all.bundles.map((b) => [b.seq, b.hash, b.streamSeq])).toEqual([[1, b1.hash, 7], [2, b2.hash, 8]]);
    expect(Buffer.from(all.bundles[1]!.bytes).equals(Buffer.from(b2.bytes))).toBe(true);
    expect((await store.bundles.publishedRange(owner, 'all', { fromSeq: 2, limit: 10 })).bundles.map((b) => b.seq)).toEqual([2]);
    expect((await store.bundles.publishedRange(owner, 'all', { fromSeq: 1, toSeq: 1, limit: 10 })).bundles.map((b) => b.seq)).toEqual([1]);
    expect((await store.bundles.publishedRange(owner, 'all', { fromSeq: 1, limit: 1 })).bundles.map((b) => b.seq)).toEqual([1]);
    expect((await store.bundles.publishedRange(nodeId('me'), 'all', { fromSeq: 1, limit: 10 })).bundles).toEqual([]);
    expect(await store.bundles.publishedRange(owner, 'al\u0000l', { fromSeq: 1, limit: 10 })).toEqual({ headSeq: null, bundles: [] });
  });

  it('records to which partner key an outbound bundle must be encrypted (null = in clear), and hands it to the publisher', async () => {
    const owner = nodeId('me');
    const sealed = bundleOf(owner, 'be-police', 1, null, []);
    const recipient = 'ab'.repeat(20);
    await store.bundles.saveOutbound({ ...sealed, encryptedTo: recipient, exported: [] });
    const plain = bundleOf(owner, 'be-police', 2, sealed.hash, []);
    await store.bundles.saveOutbound({ ...plain, exported: [] });
    const queued = (await store.bundles.unpublishedOutbound(100, ['be-police'])).filter((b) => b.publisher === owner);
    expect(queued.map((b) => [b.hash, b.encryptedTo])).toEqual([[sealed.hash, recipient], [plain.hash, null]]);
    expect(await store.bundles.get(sealed.hash)).toMatchObject({ encryptedTo: recipient, hash: sealed.hash });
    // The column takes fingerprints only.
    await expect(store.bundles.saveOutbound({ ...bundleOf(owner, 'be-police', 3, plain.hash, []), encryptedTo: 'not-hex', exported: [] })).rejects.toThrow();
  });

  it('refuses a second outbound bundle at the same chain position', async () => {
    const chainOwner = nodeId('me');
    await store.bundles.saveOutbound({ ...bundleOf(chainOwner, 'all', 1, null, []), exported: [] });
    const fork = bundleOf(chainOwner, 'all', 1, null, [{ op: 'revoke', id: wire(chainOwner).id, reason: 'x' }]);
    await expect(store.bundles.saveOutbound({ ...fork, exported: [] })).rejects.toMatchObject({ code: 'CHAIN_SEQ_CONFLICT' });
  });

  it('stores a batch of bundles (one per audience) and their exports together, or nothing', async () => {
    const owner = nodeId('me');
    const [a, b] = await store.indicators.upsertOwn(owner, [input({ value: 'b1@example.org' }), input({ value: 'b2@example.org' })]);
    const exported = [a!, b!].map((r) => ({ id: r.id, version: r.version }));
    const forAll = bundleOf(owner, 'all', 1, null, []);
    const forPartner = bundleOf(owner, 'be-police', 1, null, []);
    const clash = bundleOf(owner, 'all', 1, null, [{ op: 'revoke', id: a!.id, reason: 'x' }]);

    await store.bundles.saveOutbound({ ...forAll, exported: [] });
    await expect(store.bundles.saveOutbound({ bundles: [forPartner, clash], exported, decisions: [] })).rejects.toMatchObject({
      code: 'CHAIN_SEQ_CONFLICT',
    });
    expect(await store.bundles.exists(forPartner.hash)).toBe(false);
    expect((await pendingOf(owner)).sort()).toEqual([a!.id, b!.id].sort());

    expect(await store.bundles.saveOutbound({ bundles: [forAll, forPartner], exported, decisions: [] })).toBe('saved');
    expect(await store.bundles.exists(forPartner.hash)).toBe(true);
    expect(await pendingOf(owner)).toEqual([]);
    expect(await store.bundles.saveOutbound({ bundles: [forAll, forPartner], exported, decisions: [] })).toBe('duplicate');

    // Every change withheld by the policy: no bundle, but the versions are dealt with.
    await store.indicators.revokeOwn(a!.id, 'withdrawn');
    expect(await store.bundles.saveOutbound({ bundles: [], exported: [{ id: a!.id, version: 2 }], decisions: [] })).toBe('saved');
    expect(await pendingOf(owner)).toEqual([]);
  });

  it('lists bundles per direction and partner, every one exactly once', async () => {
    const partner = nodeId('p');
    const hashes: string[] = [];
    let prev: string | null = null;
    for (let seq = 1; seq <= 7; seq++) {
      const made = bundleOf(partner, me, seq, prev, [{ op: 'upsert', indicator: wire(partner) }]);
      await store.imports.commitImport(acceptAll(made));
      hashes.push(made.hash);
      prev = made.hash;
    }
    await activeAgreement(store, partner);
    const out = bundleOf(me, partner, 1, null, []);
    await store.bundles.saveOutbound({ ...out, exported: [] });

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.bundles.list({ direction: 'in', partner, limit: 3, cursor });
      seen.push(...page.items.map((b) => b.hash));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...hashes].reverse());

    const both = await store.bundles.list({ partner, limit: 100 });
    expect(both.items.map((b) => b.hash)).toEqual([out.hash, ...[...hashes].reverse()]);
    expect(both.items[0]).not.toHaveProperty('bytes');
    expect((await store.bundles.list({ direction: 'out', partner, limit: 100 })).items.map((b) => b.hash)).toEqual([out.hash]);
    expect(await store.bundles.exists(out.hash)).toBe(true);
    expect(await store.bundles.get('0'.repeat(64))).toBeNull();
  });

  it('quarantines a failing message once per payload and reason', async () => {
    const payload = new TextEncoder().encode('{"spec":"palermo/bundle@1"');
    const message = {
      publisher: 'be-police',
      audience: me,
      subject: `palermo.v1.feed.be-police.${me}`,
      streamSeq: 12,
      payload,
      headers: { 'Palermo-Hash': 'abc' },
      code: 'BUNDLE_MALFORMED_JSON',
      message: 'unexpected end of JSON',
    };
    const first = await store.quarantine.add(message);
    expect(first.duplicate).toBe(false);
    expect(await store.quarantine.add({ ...message, streamSeq: 13 })).toEqual({ id: first.id, duplicate: true });
    const [a, b] = await Promise.all([
      store.quarantine.add({ ...message, code: 'BUNDLE_OVERSIZE' }),
      store.quarantine.add({ ...message, code: 'BUNDLE_OVERSIZE' }),
    ]);
    expect([a!.duplicate, b!.duplicate].sort()).toEqual([false, true]);
    expect(a!.id).toBe(b!.id);

    const page = await store.quarantine.list({ limit: 1 });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ code: 'BUNDLE_OVERSIZE', payloadSize: payload.byteLength, streamSeq: 12 });
    const rest = await store.quarantine.list({ limit: 10, cursor: page.nextCursor! });
    expect(rest.items.map((q) => q.id)).toEqual([first.id]);
    expect(rest.nextCursor).toBeNull();

    const full = await store.quarantine.get(first.id);
    expect(full).toMatchObject({ headers: { 'Palermo-Hash': 'abc' }, message: 'unexpected end of JSON' });
    expect(Buffer.from(full!.payload).equals(Buffer.from(payload))).toBe(true);
    expect(await store.quarantine.get('999999')).toBeNull();
  });

  it('quarantines a message whose reason and headers carry NUL characters (a poison message must not stall its chain)', async () => {
    const payload = new Uint8Array([0x7b, 0x22, 0x00, 0x22, 0x7d]);
    const hostile = {
      publisher: 'be-police',
      audience: me,
      subject: `palermo.v1.feed.be-police.${me}`,
      streamSeq: 99,
      payload,
      headers: { 'X-Evil\u0000Key': 'a\u0000b', ...Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`h${i}`, 'x'.repeat(5000)])) },
      code: 'BUNDLE_MALFORMED_JSON',
      message: 'Unexpected token \u0000 in JSON',
    };
    const added = await store.quarantine.add(hostile);
    const full = await store.quarantine.get(added.id);
    expect(full!.message).toBe('Unexpected token \uFFFD in JSON');
    expect(full!.headers['X-Evil\uFFFDKey']).toBe('a\uFFFDb');
    expect(Object.keys(full!.headers).length).toBeLessThanOrEqual(32);
    expect(Buffer.from(full!.payload).equals(Buffer.from(payload))).toBe(true);
  });

  it('quarantines a message whose headers, code and reason carry lone surrogates (jsonb refuses their escapes)', async () => {
    const hostile = {
      publisher: 'be-police',
      subject: 'palermo.v1.feed.be-police.x',
      payload: new Uint8Array([0x7b, 0xed, 0xa0, 0x80]),
      headers: { 'X-\uD800': '\uDFFFtail' },
      code: 'BUNDLE_\uD800',
      message: 'lone \uDBFF surrogate',
    };
    const added = await store.quarantine.add(hostile);
    expect(await store.quarantine.add(hostile)).toEqual({ id: added.id, duplicate: true });
    const full = await store.quarantine.get(added.id);
    expect(full).toMatchObject({ code: 'BUNDLE_\uFFFD', message: 'lone \uFFFD surrogate', headers: { 'X-\uFFFD': '\uFFFDtail' }, payloadClearedAt: null });
  });
});
