import { describe, expect, it } from 'vitest';
import { encodeLogProofMessage, LOG_PROOF_ANSWER_MAX_BYTES, LOG_PROOF_REQUEST_MAX_BYTES, parseLogProofAnswer, parseLogProofRequest } from './log.proof';

const enc = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const H = 'a'.repeat(64);

describe('feed-log proof requests and answers', () => {
  it('parses the two requests and round-trips them', () => {
    for (const request of [{ type: 'inclusion', bundleHash: H, treeSize: 3 } as const, { type: 'consistency', fromSize: 2, toSize: 9 } as const]) {
      expect(parseLogProofRequest(encodeLogProofMessage(request))).toEqual({ ok: true, request });
    }
  });

  it.each([
    ['not JSON', 'nope'],
    ['not UTF-8', new Uint8Array([0xff, 0xfe])],
    ['unknown type', { type: 'root' }],
    ['an extra field', { type: 'inclusion', bundleHash: H, treeSize: 3, index: 1 }],
    ['an upper-case hash', { type: 'inclusion', bundleHash: H.toUpperCase(), treeSize: 3 }],
    ['tree size 0 for an inclusion', { type: 'inclusion', bundleHash: H, treeSize: 0 }],
    ['a negative size', { type: 'consistency', fromSize: -1, toSize: 3 }],
    ['a fractional size', { type: 'consistency', fromSize: 1.5, toSize: 3 }],
    ['an unsafe size', { type: 'consistency', fromSize: 1, toSize: 2 ** 60 }],
    ['sizes in the wrong order', { type: 'consistency', fromSize: 4, toSize: 3 }],
  ])('refuses a request with %s as LOG_PROOF_REQUEST_MALFORMED', (_, body) => {
    const result = parseLogProofRequest(body instanceof Uint8Array ? body : enc(body));
    expect(result).toMatchObject({ ok: false, answer: { type: 'error', code: 'LOG_PROOF_REQUEST_MALFORMED' } });
  });

  it('refuses an oversize request before parsing it', () => {
    const result = parseLogProofRequest(new Uint8Array(LOG_PROOF_REQUEST_MAX_BYTES + 1));
    expect(result).toMatchObject({ ok: false, answer: { code: 'LOG_PROOF_REQUEST_TOO_LARGE' } });
  });

  it('parses answers strictly and bounded', () => {
    const answer = { type: 'inclusion', bundleHash: H, leafIndex: 0, treeSize: 2, proof: ['b'.repeat(64)] } as const;
    expect(parseLogProofAnswer(encodeLogProofMessage(answer))).toEqual({ ok: true, answer });
    expect(parseLogProofAnswer(enc({ type: 'error', code: 'LOG_HASH_UNKNOWN', message: 'x' }))).toMatchObject({ ok: true });
    expect(parseLogProofAnswer(enc({ ...answer, proof: Array(65).fill(H) }))).toMatchObject({ ok: false });
    expect(parseLogProofAnswer(enc({ type: 'error', code: 'NOT_OURS', message: 'x' }))).toMatchObject({ ok: false });
    expect(parseLogProofAnswer(new Uint8Array(LOG_PROOF_ANSWER_MAX_BYTES + 1))).toMatchObject({ ok: false });
  });
});
