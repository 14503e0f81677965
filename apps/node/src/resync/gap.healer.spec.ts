import { describe, expect, it, vi } from 'vitest';
import { MAX_RESYNC_SPAN, type Bundle } from '@palermo/bundles';
import { DomainError } from '@palermo/indicators';
import type { ResyncBundle } from '@palermo/federation';
import type { Store } from '@palermo/store';
import type { ResyncConfig } from '../config/resync.config';
import type { BundleVerifier, VerifiedBundle } from '../import/bundle.verifier';
import { QuarantineReason } from '../import/quarantine.reason';
import { ChainStates } from './chain.states';
import { GapHealer, type BrokenLink, type ImportOutcome } from './gap.healer';
import type { ResyncClient, ResyncPage } from './resync.client';

const A = 'nl-police';
const B = 'de-bka';
const hash = (n: number) => n.toString(16).padStart(64, '0');
const config: ResyncConfig = { timeoutMs: 1_000, maxAttempts: 3, maxWaitMs: 60_000, maxSkewMs: 120_000 };

function verified(seq: number, prev: string | null, h = hash(seq)): VerifiedBundle {
  const bundle = { spec: 'palermo/bundle@1', id: `b${seq}`, publisher: A, audience: B, seq, prev, createdAt: '2026-12-06T12:00:00.000Z', entries: [] } as unknown as Bundle;
  return { bundle, hash: h, signature: new Uint8Array([1]), signer: 'ab'.repeat(20), publisherJurisdiction: 'NL', bytes: new Uint8Array([seq]), encryptedTo: null };
}
const resynced = (seq: number, h = hash(seq)): ResyncBundle => ({
  publisher: A,
  audience: B,
  hash: h,
  seq,
  streamSeq: seq,
  payload: new Uint8Array([seq]),
  signerFingerprint: 'ab'.repeat(20),
  signature: new Uint8Array([1]),
});
const page = (bundles: ResyncBundle[], headSeq: number | null, more = false): ResyncPage => ({ ok: true, publisher: A, audience: B, headSeq, bundles, more });

function gapLink(head: number, seq: number, deliveryCount = 1): BrokenLink {
  return {
    msg: { publisher: A, audience: B, subject: `palermo.v1.feed.${A}.${B}`, payload: new Uint8Array([seq]), headers: {}, streamSeq: 99, redelivered: false, deliveryCount },
    verified: verified(seq, hash(seq - 1)),
    chain: { ok: false, code: 'CHAIN_SEQ_GAP', message: `expected seq ${head + 1}, got ${seq}` },
    head: { seq: head, hash: hash(head) },
  };
}

function setup(pages: (ResyncPage | Error)[], verify?: (payload: Uint8Array) => VerifiedBundle | QuarantineReason) {
  const append = vi.fn(async () => undefined);
  const store = { audit: { append } } as unknown as Store;
  const pageFn = vi.fn(async () => {
    const next = pages.shift();
    if (!next) throw new Error('no more pages scripted');
    if (next instanceof Error) throw next;
    return next;
  });
  const client = { page: pageFn } as unknown as ResyncClient;
  const verifier = { verify: vi.fn(async (msg: { payload: Uint8Array }) => verify!(msg.payload)) } as unknown as BundleVerifier;
  const states = new ChainStates();
  return { healer: new GapHealer(store, client, verifier, states, config), states, append, pageFn };
}

describe('GapHealer', () => {
  it('fills a gap page by page, in seq order, through the importer, and the chain is ok again', async () => {
    const { healer, states, pageFn, append } = setup([page([resynced(2)], 4, true), page([resynced(3)], 4)]);
    const applied: number[] = [];
    const apply = async (msg: { payload: Uint8Array }): Promise<ImportOutcome> => (applied.push(msg.payload[0]!), 'imported');
    expect(await healer.heal(gapLink(1, 4), apply)).toBe('imported');
    // The missing seqs, then the revealing bundle itself.
    expect(applied).toEqual([2, 3, 4]);
    expect(pageFn.mock.calls).toEqual([[A, B, 2, 3], [A, B, 3, 3]]);
    expect(states.get(A, B)).toMatchObject({ state: 'ok', lastResyncAt: expect.any(String) });
    expect(append).toHaveBeenCalledWith(expect.objectContaining({ action: 'resync.healed', subjectId: `${A}/${B}` }));
  });

  it('gives up with the chain code when the publisher has no such seq (nothing to wait for)', async () => {
    const { healer, states } = setup([page([], 1)]);
    const result = await healer.heal(gapLink(1, 3), async () => 'imported');
    expect(result).toBeInstanceOf(QuarantineReason);
    expect(result).toMatchObject({ code: 'CHAIN_SEQ_GAP', message: expect.stringMatching(/no published seq 2 \(its head is 1\)/) });
    expect(states.get(A, B)).toMatchObject({ state: 'broken', missing: { fromSeq: 2, toSeq: 2 } });
  });

  it('gives up when a resynced bundle is itself quarantined, or the publisher answers another seq', async () => {
    const first = setup([page([resynced(2)], 3)]);
    expect(await first.healer.heal(gapLink(1, 3), async () => 'quarantined')).toMatchObject({ code: 'CHAIN_SEQ_GAP', message: expect.stringMatching(/seq 2 .* was quarantined/) });
    const second = setup([page([resynced(3)], 3)]);
    expect(await second.healer.heal(gapLink(1, 4), async () => 'imported')).toMatchObject({ code: 'CHAIN_SEQ_GAP', message: expect.stringMatching(/no published seq 2/) });
  });

  it('waits (retry, state gap) while the publisher does not answer, and gives up after the configured attempts', async () => {
    const unreachable = () => new DomainError('RESYNC_UNREACHABLE', 'nl-police did not answer');
    const { healer, states } = setup([unreachable(), unreachable(), unreachable()]);
    expect(await healer.heal(gapLink(1, 3, 1), async () => 'imported')).toBe('retry');
    expect(states.get(A, B)).toMatchObject({ state: 'gap', lastError: 'nl-police did not answer', missing: { fromSeq: 2, toSeq: 2 } });
    expect(await healer.heal(gapLink(1, 3, 2), async () => 'imported')).toBe('retry');
    const given = await healer.heal(gapLink(1, 3, 3), async () => 'imported');
    expect(given).toMatchObject({ code: 'CHAIN_SEQ_GAP', message: expect.stringMatching(/gave up after 3 attempts .*did not answer/) });
    expect(states.get(A, B).state).toBe('broken');
  });

  it('a refusal by the publisher also waits; any other failure is thrown (the message is redelivered)', async () => {
    const { healer } = setup([new DomainError('RESYNC_REFUSED', 'RESYNC_NO_AGREEMENT'), new Error('database down')]);
    expect(await healer.heal(gapLink(1, 3), async () => 'imported')).toBe('retry');
    await expect(healer.heal(gapLink(1, 3), async () => 'imported')).rejects.toThrow('database down');
  });

  it('pages a gap wider than one request may span (150,000 seqs) instead of stalling the chain', async () => {
    const asked: [number, number | undefined][] = [];
    const append = vi.fn(async () => undefined);
    // Like the real client: a request spanning MAX_RESYNC_SPAN or more is malformed before it is sent.
    const client = {
      page: vi.fn(async (_p: string, _a: string, fromSeq: number, toSeq?: number) => {
        asked.push([fromSeq, toSeq]);
        if (toSeq === undefined || toSeq - fromSeq >= MAX_RESYNC_SPAN) throw new DomainError('RESYNC_MALFORMED', 'toSeq: spans more than 100000 bundles');
        const last = Math.min(toSeq, fromSeq + 49_999);
        return page(Array.from({ length: last - fromSeq + 1 }, (_, i) => resynced(fromSeq + i)), 150_001);
      }),
    } as unknown as ResyncClient;
    const states = new ChainStates();
    const healer = new GapHealer({ audit: { append } } as unknown as Store, client, {} as BundleVerifier, states, config);
    let applied = 0;
    expect(await healer.heal(gapLink(1, 150_002), async () => (applied++, 'imported'))).toBe('imported');
    expect(applied).toBe(150_001);
    expect(asked[0]).toEqual([2, 2 + MAX_RESYNC_SPAN - 1]);
    expect(asked.every(([from, to]) => to! - from < MAX_RESYNC_SPAN)).toBe(true);
    expect(states.get(A, B).state).toBe('ok');
  });

  it.each([
    ['its own request is malformed', new DomainError('RESYNC_MALFORMED', 'toSeq: spans more than 100000 bundles')],
    ['the publisher refuses the request itself', new DomainError('RESYNC_REFUSED', 'nl-police refused: RESYNC_NOT_ADDRESSED', { code: 'RESYNC_NOT_ADDRESSED' })],
  ])('gives up at once, with the error in the reason, when asking again cannot help: %s', async (_, error) => {
    const { healer, states, append } = setup([error]);
    const result = await healer.heal(gapLink(1, 3, 1), async () => 'imported');
    expect(result).toBeInstanceOf(QuarantineReason);
    expect(result).toMatchObject({ code: 'CHAIN_SEQ_GAP', message: expect.stringContaining(`resync cannot heal it (${error.code})`) });
    expect(states.get(A, B).state).toBe('broken');
    expect(append).toHaveBeenCalledWith(expect.objectContaining({ action: 'resync.gave-up' }));
  });

  it('is not healed when the revealing bundle is quarantined after the gap was filled: the chain is broken, no resync.healed', async () => {
    const { healer, states, append } = setup([page([resynced(2)], 3)]);
    // A publisher answering seqs we already hold (duplicate) leaves the revealing bundle still off the chain.
    const apply = async (msg: { payload: Uint8Array }): Promise<ImportOutcome> => (msg.payload[0] === 3 ? 'quarantined' : 'duplicate');
    expect(await healer.heal(gapLink(1, 3), apply)).toBe('quarantined');
    expect(states.get(A, B)).toMatchObject({ state: 'broken', lastError: expect.stringContaining('revealing bundle #3 was then quarantined') });
    expect(append).not.toHaveBeenCalledWith(expect.objectContaining({ action: 'resync.healed' }));
    expect(append).toHaveBeenCalledWith(expect.objectContaining({ action: 'resync.gave-up', details: expect.objectContaining({ code: 'RESYNC_REVEALING_NOT_IMPORTED' }) }));
  });

  describe('a prev mismatch at the expected seq', () => {
    const link = (): BrokenLink => ({
      ...gapLink(5, 6),
      verified: verified(6, hash(999)),
      chain: { ok: false, code: 'CHAIN_PREV_MISMATCH', message: 'seq 6 names prev …' },
    });

    it("the publisher's copy of our head is our head: the bundle is not its successor (CHAIN_PREV_MISMATCH)", async () => {
      const { healer, pageFn } = setup([page([resynced(5)], 6)], () => verified(5, hash(4)));
      expect(await healer.heal(link(), async () => 'imported')).toMatchObject({ code: 'CHAIN_PREV_MISMATCH', message: expect.stringMatching(/seq 5 is our head/) });
      expect(pageFn.mock.calls).toEqual([[A, B, 5, 5]]);
    });

    it('the publisher now shows another bundle at our head’s seq: a fork, with both hashes', async () => {
      const { healer, append, states } = setup([page([resynced(5, hash(555))], 6)], () => verified(5, hash(4), hash(555)));
      const result = await healer.heal(link(), async () => 'imported');
      expect(result).toMatchObject({ code: 'CHAIN_FORK', message: expect.stringContaining(`its seq 5 is now ${hash(555)}, this node imported ${hash(5)}`) });
      expect(append).toHaveBeenCalledWith(expect.objectContaining({ action: 'resync.fork', details: expect.objectContaining({ headHash: hash(5), code: 'CHAIN_FORK' }) }));
      expect(states.get(A, B).state).toBe('broken');
    });

    it("a copy that fails verification is a garbled answer: wait and ask again", async () => {
      const { healer } = setup([page([resynced(5)], 6)], () => new QuarantineReason('BUNDLE_SIGNATURE_INVALID', 'bad'));
      expect(await healer.heal(link(), async () => 'imported')).toBe('retry');
    });
  });
});
