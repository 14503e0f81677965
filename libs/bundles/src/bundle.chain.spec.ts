import { describe, expect, it } from 'vitest';
import { checkChain, type ChainCheck, type ChainHead } from './bundle.chain';

const H1 = '1'.repeat(64);
const H2 = '2'.repeat(64);
const H9 = '9'.repeat(64);

describe('checkChain', () => {
  it.each<[string, ChainHead | null, { seq: number; prev: string | null }, ChainCheck['ok'] | string, RegExp?]>([
    ['first bundle of a chain', null, { seq: 1, prev: null }, true],
    ['first bundle naming a predecessor', null, { seq: 1, prev: H1 }, 'CHAIN_PREV_MISMATCH', /prev must be null/],
    ['a later bundle on an empty chain', null, { seq: 3, prev: H2 }, 'CHAIN_SEQ_GAP', /expected seq 1, got 3 \(missing 1–2\)/],
    ['the next bundle', { seq: 1, hash: H1 }, { seq: 2, prev: H1 }, true],
    ['the next bundle far along the chain', { seq: 41, hash: H9 }, { seq: 42, prev: H9 }, true],
    ['one bundle missing', { seq: 1, hash: H1 }, { seq: 3, prev: H2 }, 'CHAIN_SEQ_GAP', /expected seq 2, got 3 \(missing 2\)$/],
    ['several bundles missing', { seq: 1, hash: H1 }, { seq: 9, prev: H2 }, 'CHAIN_SEQ_GAP', /missing 2–8/],
    ['the next seq naming another predecessor (fork)', { seq: 1, hash: H1 }, { seq: 2, prev: H9 }, 'CHAIN_PREV_MISMATCH', new RegExp(`names prev ${H9}, but the chain head is ${H1}`)],
    ['the next seq naming no predecessor', { seq: 1, hash: H1 }, { seq: 2, prev: null }, 'CHAIN_PREV_MISMATCH'],
    ['the head seq again (competing bundle)', { seq: 2, hash: H2 }, { seq: 2, prev: H1 }, 'CHAIN_SEQ_REPLAY', /seq 2 was already used; the chain is at seq 2/],
    ['an older seq', { seq: 5, hash: H9 }, { seq: 1, prev: null }, 'CHAIN_SEQ_REPLAY'],
  ])('%s', (_name, head, bundle, expected, message) => {
    const result = checkChain(head, bundle);
    expect(result.ok ? true : result.code).toBe(expected);
    if (message && !result.ok) expect(result.message).toMatch(message);
  });
});
