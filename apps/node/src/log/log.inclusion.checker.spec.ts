import { afterEach, describe, expect, it, vi } from 'vitest';
import { bundleLeaf, generateNodeKey, inclusionProof, makeCheckpoint, merkleRoot, readPrivateKey, type LogProofAnswer, type LogProofRequest } from '@palermo/bundles';
import type { Store } from '@palermo/store';
import { COVERED_AFTER_MS, LogInclusionChecker } from './log.inclusion.checker';
import type { LogProofClient } from './log.proof.client';

// The witness's inclusion check, with the store and the publisher's proof service played by fakes:
// what is proven is recorded, what the checkpoint does not cover waits, and a bundle the log hides
// (unknown hash well after it was signed, or a proof that does not lead to the signed root) is
// recorded as evidence; anything else (no answer, an unsigned error) only waits and is asked again.
const hashes = ['a', 'b', 'c', 'd'].map((c) => c.repeat(64));
const leaves = hashes.slice(0, 3).map(bundleLeaf);
const longAgo = new Date(Date.now() - 2 * COVERED_AFTER_MS).toISOString();

async function setup(answers: (request: Extract<LogProofRequest, { type: 'inclusion' }>) => LogProofAnswer | Error, createdAt = longAgo) {
  const key = await readPrivateKey((await generateNodeKey({ nodeId: 'nl-police', jurisdiction: 'NL' })).armoredPrivateKey);
  const signed = await makeCheckpoint({ publisher: 'nl-police', treeSize: 3, rootHash: merkleRoot(leaves), privateKey: key });
  const recorded: string[] = [];
  const forks: { code: string; reason: string }[] = [];
  const quarantined: string[] = [];
  const store = {
    logPartners: {
      state: async () => ({ signed }),
      pendingInclusions: async (_p: string, _limit: number, after: string) => (after === '0' ? hashes.map((hash, i) => ({ hash, pos: String(i + 1), createdAt })).filter((p) => !recorded.includes(p.hash)) : []),
      recordInclusions: async (_p: string, rows: { bundleHash: string }[]) => void recorded.push(...rows.map((r) => r.bundleHash)),
      recordFork: async (input: { code: string; reason: string }) => {
        forks.push({ code: input.code, reason: input.reason });
        return { id: '1', duplicate: false };
      },
    },
    quarantine: { add: async (input: { code: string }) => (quarantined.push(input.code), { id: '1', duplicate: false }) },
  } as unknown as Store;
  const proofs = {
    ask: async (_publisher: string, request: LogProofRequest) => {
      const answer = answers(request as Extract<LogProofRequest, { type: 'inclusion' }>);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as LogProofClient;
  const checker = new LogInclusionChecker(store, proofs);
  checker.kick('nl-police');
  await checker.idle();
  return { recorded, forks, quarantined, checker };
}

const honest = (request: Extract<LogProofRequest, { type: 'inclusion' }>): LogProofAnswer => {
  const index = hashes.indexOf(request.bundleHash);
  if (index >= 3) return { type: 'error', code: 'LOG_NOT_COVERED', message: 'later' };
  return { type: 'inclusion', bundleHash: request.bundleHash, leafIndex: index, treeSize: 3, proof: inclusionProof(leaves, index) };
};

afterEach(() => {
  vi.useRealTimers();
});

describe('LogInclusionChecker', () => {
  it('records what the checkpoint proves and lets the rest wait', async () => {
    const { recorded, forks } = await setup(honest);
    expect(recorded).toEqual(hashes.slice(0, 3));
    expect(forks).toEqual([]);
  });

  it('records a hidden bundle (unknown to the log) and a proof that misses the root as LOG_INCLUSION_FAILED', async () => {
    const { recorded, forks, quarantined } = await setup((request) => {
      if (request.bundleHash === hashes[0]) return { type: 'error', code: 'LOG_HASH_UNKNOWN', message: 'no such leaf' };
      if (request.bundleHash === hashes[1]) return { ...(honest(request) as Extract<LogProofAnswer, { type: 'inclusion' }>), leafIndex: 2 };
      return honest(request);
    });
    expect(recorded).toEqual([hashes[2]]);
    expect(forks).toEqual([
      { code: 'LOG_INCLUSION_FAILED', reason: 'LOG_HASH_UNKNOWN' },
      { code: 'LOG_INCLUSION_FAILED', reason: 'MERKLE_PROOF_INVALID' },
    ]);
    expect(quarantined).toEqual(['LOG_INCLUSION_FAILED', 'LOG_INCLUSION_FAILED']);
  });

  it('keeps what it proved when the publisher stops answering, and tries the rest later', async () => {
    const { recorded, forks, checker } = await setup((request) => (request.bundleHash === hashes[1] ? new Error('NATS_UNAVAILABLE') : honest(request)));
    expect(recorded).toEqual([hashes[0]]);
    expect(forks).toEqual([]);
    expect(checker.retryState('nl-police')).toMatchObject({ attempts: 1, lastError: expect.stringContaining('NATS_UNAVAILABLE') });
    await checker.onApplicationShutdown();
  });

  it.each([
    ['LOG_PROOF_UNAVAILABLE', 'database restarting'],
    ['LOG_SIZE_BEYOND_TREE', 'tree size 3 is beyond this log'],
    ['LOG_PROOF_REQUEST_MALFORMED', 'garbled'],
    ['LOG_SOMETHING_NEW', 'a code this node does not know'],
  ])('takes an unsigned %s answer as no answer: nothing forked, the bundles stay pending and are asked again later', async (code, message) => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let failing = true;
    const { recorded, forks, quarantined, checker } = await setup((request) => (failing && request.bundleHash === hashes[1] ? { type: 'error', code, message } : honest(request)));
    expect(forks).toEqual([]);
    expect(quarantined).toEqual([]);
    expect(recorded).toEqual([hashes[0]]);
    const retry = checker.retryState('nl-police');
    expect(retry).toMatchObject({ attempts: 1, lastError: expect.stringContaining(code) });
    // The periodic scan does not hammer the publisher before the retry is due.
    checker.retryDue('nl-police');
    await checker.idle();
    expect(recorded).toEqual([hashes[0]]);
    failing = false;
    await vi.advanceTimersByTimeAsync(Date.parse(retry!.retryAt) - Date.now() + 1);
    await checker.idle();
    expect(recorded).toEqual([hashes[0], hashes[1], hashes[2]]);
    expect(checker.retryState('nl-police')).toBeNull();
    expect(forks).toEqual([]);
  });

  it('backs off, bounded, while the publisher keeps failing', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { checker } = await setup(() => new Error('NATS_UNAVAILABLE'));
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      const due = Date.parse(checker.retryState('nl-police')!.retryAt) - Date.now();
      delays.push(due);
      await vi.advanceTimersByTimeAsync(due);
      await checker.idle();
    }
    expect(delays.slice(0, 3)).toEqual([5_000, 10_000, 20_000]);
    expect(Math.max(...delays)).toBe(300_000);
    expect(checker.retryState('nl-police')!.attempts).toBe(10);
    await checker.onApplicationShutdown();
  });

  it('lets LOG_HASH_UNKNOWN wait while the bundle is younger than the checkpoint margin (not yet evidence)', async () => {
    const { recorded, forks } = await setup(
      (request) => (request.bundleHash === hashes[0] ? { type: 'error', code: 'LOG_HASH_UNKNOWN', message: 'no such leaf' } : honest(request)),
      new Date().toISOString(),
    );
    expect(recorded).toEqual([hashes[1], hashes[2]]);
    expect(forks).toEqual([]);
  });
});
