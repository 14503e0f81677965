import { describe, expect, it } from 'vitest';
import { bundleLeaf, generateNodeKey, inclusionProof, makeCheckpoint, merkleRoot, readPrivateKey, type LogProofAnswer, type LogProofRequest } from '@palermo/bundles';
import type { Store } from '@palermo/store';
import { LogInclusionChecker } from './log.inclusion.checker';
import type { LogProofClient } from './log.proof.client';

// The witness's inclusion check, with the store and the publisher's proof service played by fakes:
// what is proven is recorded, what the checkpoint does not cover waits, and a bundle the log hides
// (unknown hash, or a proof that does not lead to the signed root) is recorded as evidence.
const hashes = ['a', 'b', 'c', 'd'].map((c) => c.repeat(64));
const leaves = hashes.slice(0, 3).map(bundleLeaf);

async function setup(answers: (request: Extract<LogProofRequest, { type: 'inclusion' }>) => LogProofAnswer | Error) {
  const key = await readPrivateKey((await generateNodeKey({ nodeId: 'nl-police', jurisdiction: 'NL' })).armoredPrivateKey);
  const signed = await makeCheckpoint({ publisher: 'nl-police', treeSize: 3, rootHash: merkleRoot(leaves), privateKey: key });
  const recorded: string[] = [];
  const forks: { code: string; reason: string }[] = [];
  const quarantined: string[] = [];
  const store = {
    logPartners: {
      state: async () => ({ signed }),
      pendingInclusions: async (_p: string, _limit: number, after: string) => (after === '0' ? hashes.map((hash, i) => ({ hash, pos: String(i + 1) })) : []),
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
  return { recorded, forks, quarantined };
}

const honest = (request: Extract<LogProofRequest, { type: 'inclusion' }>): LogProofAnswer => {
  const index = hashes.indexOf(request.bundleHash);
  if (index >= 3) return { type: 'error', code: 'LOG_NOT_COVERED', message: 'later' };
  return { type: 'inclusion', bundleHash: request.bundleHash, leafIndex: index, treeSize: 3, proof: inclusionProof(leaves, index) };
};

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
    const { recorded, forks } = await setup((request) => (request.bundleHash === hashes[1] ? new Error('NATS_UNAVAILABLE') : honest(request)));
    expect(recorded).toEqual([hashes[0]]);
    expect(forks).toEqual([]);
  });
});
