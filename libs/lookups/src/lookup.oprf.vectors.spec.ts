import { describe, expect, it } from 'vitest';
import vectors from '../../../tests/fixtures/rfc9497/ristretto255-sha512-oprf.json';
import { fromHex, toHex } from './lookup.hex';
import { blindWithRandom, deriveKey, evaluate, finalize, LOOKUP_SUITE, prfOutput, serverKeyHex } from './lookup.oprf';

// RFC 9497 Appendix A.1.1, as vendored in tests/fixtures/rfc9497 (see SOURCE there).
const suite = vectors.find((s) => s.suite === LOOKUP_SUITE)!;
const mode = suite.modes.find((m) => m.mode === 'OPRF Mode')!;
const bytes = (hex: string): Uint8Array => fromHex(hex, hex.length / 2)!;
const ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;

// RFC 9497 fixes the blind of each vector; RandomScalar here reduces 48 random bytes mod (order − 1) and adds 1,
// so the randomness that yields blind b is b − 1 in 48 little-endian bytes.
function randomYielding(blindHex: string): (length?: number) => Uint8Array<ArrayBuffer> {
  const value = bytes(blindHex).reduceRight((n, byte) => (n << 8n) | BigInt(byte), 0n) - 1n;
  return (length = 48) => Uint8Array.from({ length }, (_, i) => Number((value >> BigInt(8 * i)) & 0xffn));
}

describe(`RFC 9497 test vectors, ${LOOKUP_SUITE}, OPRF mode`, () => {
  it('holds the suite the lookups use, with its two published vectors', () => {
    expect(suite).toBeDefined();
    expect(mode.tests).toHaveLength(2);
    expect(ORDER.toString(16)).toBe('1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed');
  });

  it('derives skSm from Seed and KeyInfo (DeriveKeyPair)', () => {
    const derived = deriveKey(bytes(mode.common.Seed), bytes(mode.common.KeyInfo));
    expect(derived.ok && serverKeyHex(derived.key)).toBe(mode.common.skSm);
  });

  describe.each(mode.tests.map((t) => [t.name, t.data] as const))('%s', (_name, data) => {
    const derived = deriveKey(bytes(mode.common.Seed), bytes(mode.common.KeyInfo));
    if (!derived.ok) throw new Error(derived.message);
    const input = bytes(data.Input[0]!);

    it('blinds to BlindedElement with the fixed Blind, evaluates to EvaluationElement, finalizes to Output', () => {
      const blinded = blindWithRandom(input, randomYielding(data.Blind[0]!));
      expect(toHex(blinded.blind)).toBe(data.Blind[0]);
      expect(blinded.blindedElement).toBe(data.BlindedElement[0]);

      const evaluated = evaluate(derived.key, blinded.blindedElement);
      expect(evaluated).toEqual({ ok: true, evaluatedElement: data.EvaluationElement[0] });

      const finalized = finalize(input, blinded.blind, data.EvaluationElement[0]!);
      expect(finalized).toEqual({ ok: true, prfOutput: data.Output[0] });
    });

    it('gives the same Output when the server computes it without blinding (Evaluate)', () => {
      expect(prfOutput(derived.key, input)).toBe(data.Output[0]);
    });
  });
});
