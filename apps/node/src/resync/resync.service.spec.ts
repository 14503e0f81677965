import { describe, expect, it, vi } from 'vitest';
import { MAX_RESYNC_SPAN } from '@palermo/bundles';
import type { FeedMessage, ResyncBundle } from '@palermo/federation';
import type { Store } from '@palermo/store';
import type { ImportService } from '../import/import.service';
import type { NodeConfig } from '../node/node-context';
import { ChainStates } from './chain.states';
import type { ImportOutcome } from './gap.healer';
import type { ResyncClient, ResyncPage } from './resync.client';
import { MAX_REBUILD_PAGES, ResyncService } from './resync.service';

const A = 'nl-police';
const B = 'de-bka';
const resynced = (seq: number): ResyncBundle => ({
  publisher: A,
  audience: B,
  hash: seq.toString(16).padStart(64, '0'),
  seq,
  streamSeq: seq,
  payload: new Uint8Array([1]),
  signerFingerprint: 'ab'.repeat(20),
  signature: new Uint8Array([1]),
});
const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => resynced(from + i));

/** A publisher scripted by `answer`; a rebuild that has not stopped after `guard` answers fails the test instead of hanging it. */
function setup(answer: (fromSeq: number, toSeq: number | undefined, call: number) => { bundles: ResyncBundle[]; headSeq: number | null }, outcome: (seq: number) => ImportOutcome = () => 'imported', guard = 20_000, held = 0) {
  const asked: [number, number | undefined][] = [];
  const page = vi.fn(async (_p: string, _a: string, fromSeq: number, toSeq?: number): Promise<ResyncPage> => {
    asked.push([fromSeq, toSeq]);
    if (asked.length > guard) throw new Error(`the rebuild is still asking after ${guard} answers`);
    const { bundles, headSeq } = answer(fromSeq, toSeq, asked.length);
    return { ok: true, publisher: A, audience: B, headSeq, bundles, more: false };
  });
  const process = vi.fn(async (msg: FeedMessage): Promise<ImportOutcome> => {
    const result = outcome(msg.streamSeq);
    if (result === 'imported') held = Math.max(held, msg.streamSeq);
    return result;
  });
  const store = {
    partners: { get: async () => ({ nodeId: A }) },
    bundles: { chainHead: async () => (held ? { seq: held, hash: resynced(held).hash } : null) },
    audit: { append: vi.fn(async () => undefined) },
  } as unknown as Store;
  const states = new ChainStates();
  const service = new ResyncService(store, { page } as unknown as ResyncClient, { process } as unknown as ImportService, states, { nodeId: B } as NodeConfig);
  const rebuild = async (fromScratch = false) => (await service.rebuild(A, { audience: B, fromScratch }, null)).chains[0]!;
  return { rebuild, asked, process, states };
}

describe('ResyncService.rebuild against its publisher', () => {
  it('follows the chain page by page to the head and reports it healed', async () => {
    const { rebuild, asked, states } = setup((from) => ({ bundles: range(from, Math.min(from + 63, 130)), headSeq: 130 }));
    expect(await rebuild()).toMatchObject({ fromSeq: 1, headSeq: 130, fetched: 130, imported: 130, quarantined: 0, stopped: null });
    expect(asked).toEqual([[1, undefined], [65, 130], [129, 130]]);
    expect(states.get(A, B).state).toBe('ok');
  });

  it('a hostile publisher answering junk in a loop (head 2^53): stops at the first quarantined bundle the chain needed', async () => {
    const { rebuild, asked, states } = setup((from) => ({ bundles: [resynced(from)], headSeq: Number.MAX_SAFE_INTEGER }), () => 'quarantined');
    expect(await rebuild()).toMatchObject({ fetched: 1, quarantined: 1, stopped: { code: 'RESYNC_BUNDLE_QUARANTINED' } });
    expect(asked).toHaveLength(1);
    expect(states.get(A, B)).toMatchObject({ state: 'broken', lastError: expect.stringContaining('RESYNC_BUNDLE_QUARANTINED') });
  });

  it('a publisher raising its head in every answer is never followed beyond the head of its first answer', async () => {
    const { rebuild, asked } = setup((from, _to, call) => ({ bundles: [resynced(from)], headSeq: 5 + call * 10 }), undefined, 50);
    expect(await rebuild()).toMatchObject({ headSeq: 15, fetched: 15, imported: 15, stopped: null });
    expect(asked.slice(1).every(([from, to]) => to !== undefined && to <= 15 && to - from < MAX_RESYNC_SPAN)).toBe(true);
  });

  it('an answer that does not start at the seq asked for, or has a hole, stops the rebuild with RESYNC_ANSWER_NOT_CONTIGUOUS', async () => {
    const skipping = setup((from) => ({ bundles: [resynced(from + 1)], headSeq: 10 }), undefined, 50);
    expect(await skipping.rebuild()).toMatchObject({ fetched: 0, imported: 0, stopped: { code: 'RESYNC_ANSWER_NOT_CONTIGUOUS', message: expect.stringContaining('seq 2 where 1 was due') } });
    expect(skipping.process).not.toHaveBeenCalled();
    const holed = setup((from) => ({ bundles: [resynced(from), resynced(from + 2)], headSeq: 10 }), undefined, 50);
    expect(await holed.rebuild()).toMatchObject({ fetched: 1, imported: 1, stopped: { code: 'RESYNC_ANSWER_NOT_CONTIGUOUS' } });
  });

  it('an empty answer while the named head is still ahead stops with RESYNC_ANSWER_EMPTY', async () => {
    const { rebuild } = setup((from, _to, call) => ({ bundles: call === 1 ? range(from, from + 2) : [], headSeq: 10 }), undefined, 50);
    expect(await rebuild()).toMatchObject({ fetched: 3, stopped: { code: 'RESYNC_ANSWER_EMPTY' } });
  });

  it('a publisher answering one genuine bundle per answer toward a head of 2^53 is followed for MAX_REBUILD_PAGES answers at most', async () => {
    const { rebuild, asked } = setup((from) => ({ bundles: [resynced(from)], headSeq: Number.MAX_SAFE_INTEGER }));
    expect(await rebuild()).toMatchObject({ fetched: MAX_REBUILD_PAGES, stopped: { code: 'RESYNC_REBUILD_PAGE_LIMIT' } });
    expect(asked).toHaveLength(MAX_REBUILD_PAGES);
  });

  it('a re-verification that fails on a bundle this node already holds does not stop a rebuild from scratch', async () => {
    const { rebuild } = setup((from) => ({ bundles: range(from, 6), headSeq: 6 }), (seq) => (seq === 2 ? 'quarantined' : seq <= 4 ? 'duplicate' : 'imported'), 50, 4);
    expect(await rebuild(true)).toMatchObject({ fromSeq: 1, fetched: 6, alreadyHad: 3, quarantined: 1, imported: 2, stopped: null });
  });
});
