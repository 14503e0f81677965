import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeElement } from './lookup.element';
import { toHex } from './lookup.hex';
import { lookupInput } from './lookup.input';
import { blind, decodePrfOutput, deriveKey, evaluate, finalize, generateKey, parseServerKey, prfOutput, serverKeyHex, type LookupServerKey } from './lookup.oprf';

// Each run is a handful of scalar multiplications (~1–3 ms each here): enough runs to mean something, few enough for a loaded machine.
const RUNS = { numRuns: 30 };
const ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;
const le32 = (n: bigint): string => toHex(Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn)));
const inputBytes = fc.uint8Array({ maxLength: 200 });
const seed = fc.uint8Array({ minLength: 32, maxLength: 32 });

function keyFrom(seedBytes: Uint8Array): LookupServerKey {
  const derived = deriveKey(seedBytes, 'palermo/lookup-key@1 test');
  if (!derived.ok) throw new Error(derived.message);
  return derived.key;
}

/** The querier's three steps around the responder's one. */
function lookUp(key: LookupServerKey, input: Uint8Array): string {
  const blinded = blind(input);
  const evaluated = evaluate(key, blinded.blindedElement);
  if (!evaluated.ok) throw new Error(evaluated.message);
  const output = finalize(input, blinded.blind, evaluated.evaluatedElement);
  if (!output.ok) throw new Error(output.message);
  return output.prfOutput;
}

describe('OPRF round trip', () => {
  it('finalize(evaluate(blind(x))) is the output the responder computes for x without blinding', () => {
    fc.assert(
      fc.property(seed, inputBytes, (s, input) => {
        const key = keyFrom(s);
        expect(lookUp(key, input)).toBe(prfOutput(key, input));
      }),
      RUNS,
    );
  });

  it('another key gives another output: a table built under an old key epoch never matches', () => {
    fc.assert(
      fc.property(seed, seed, inputBytes, (a, b, input) => {
        fc.pre(toHex(a) !== toHex(b));
        expect(lookUp(keyFrom(a), input)).not.toBe(prfOutput(keyFrom(b), input));
      }),
      RUNS,
    );
  });

  it('the same value under another indicator type (or platform) gives another output', () => {
    const key = generateKey();
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9]{2,30}$/), (text) => {
        const outputs = [
          lookupInput({ type: 'username', value: text }),
          lookupInput({ type: 'username', value: text, platform: 'telegram' }),
          lookupInput({ type: 'keyword', value: text }),
        ].map((made) => {
          if (!made.ok) throw new Error(made.message);
          return lookUp(key, made.input);
        });
        expect(new Set(outputs).size).toBe(3);
      }),
      RUNS,
    );
  });

  it('blinds the same value differently each time, so the responder cannot link two lookups of it', () => {
    const input = new TextEncoder().encode('palermo/lookup@1\u0000phone::+31612345678');
    const first = blind(input);
    const second = blind(input);
    expect(first.blindedElement).not.toBe(second.blindedElement);
    expect(toHex(first.blind)).not.toBe(toHex(second.blind));
    const key = generateKey();
    const outputs = [first, second].map((b) => {
      const evaluated = evaluate(key, b.blindedElement);
      const output = evaluated.ok && finalize(input, b.blind, evaluated.evaluatedElement);
      return output && output.ok && output.prfOutput;
    });
    expect(outputs[0]).toBe(outputs[1]);
    expect(outputs[0]).toMatch(/^[0-9a-f]{128}$/);
  });

  it('accepts elements as bytes as well as hex', () => {
    const key = generateKey();
    const input = Uint8Array.of(1, 2, 3);
    const blinded = blind(input);
    const asBytes = evaluate(key, Buffer.from(blinded.blindedElement, 'hex'));
    expect(asBytes).toEqual(evaluate(key, blinded.blindedElement));
  });
});

// RFC 9496 §A.2 lists non-canonical and negative field encodings; p itself and p + 1 are out of range.
const NON_CANONICAL = [
  '00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
];
const HOSTILE_ELEMENTS: [string, unknown, string][] = [
  ['the identity (all zero)', '00'.repeat(32), 'identity'],
  ['the identity as bytes', new Uint8Array(32), 'identity'],
  ['an empty string', '', 'length'],
  ['31 bytes', 'aa'.repeat(31), 'length'],
  ['33 bytes', 'aa'.repeat(33), 'length'],
  ['63 hex digits', 'a'.repeat(63), 'length'],
  ['31 raw bytes', new Uint8Array(31), 'length'],
  ['a megabyte', 'a'.repeat(1 << 20), 'length'],
  ['upper-case hex', 'E2F2AE0A6ABC4E71A884A961C500515F58E30B6AA582DD8DB6A65945E08D2D76', 'encoding'],
  ['base64 of 32 bytes padded to 64 chars', `${Buffer.alloc(32, 7).toString('base64')}AAAAAAAAAAAAAAAAAAAA`, 'encoding'],
  ['hex with a space', `${'ab'.repeat(31)}a `, 'encoding'],
  ['a number', 42, 'not-bytes'],
  ['null', null, 'not-bytes'],
  ['undefined', undefined, 'not-bytes'],
  ['an object', { toString: () => 'aa'.repeat(32) }, 'not-bytes'],
  ['an array of 32 numbers', Array(32).fill(1), 'not-bytes'],
  ...NON_CANONICAL.map((hex): [string, unknown, string] => [`non-canonical ${hex.slice(0, 8)}…`, hex, 'non-canonical']),
];

describe('elements from the wire', () => {
  const key = generateKey();
  const input = Uint8Array.of(7);
  const { blind: blindScalar } = blind(input);

  it.each(HOSTILE_ELEMENTS)('refuses %s with LOOKUP_ELEMENT_INVALID, on both sides', (_name, element, problem) => {
    expect(decodeElement(element)).toMatchObject({ ok: false, code: 'LOOKUP_ELEMENT_INVALID', problem });
    expect(evaluate(key, element as string)).toMatchObject({ ok: false, code: 'LOOKUP_ELEMENT_INVALID' });
    expect(finalize(input, blindScalar, element as string)).toMatchObject({ ok: false, code: 'LOOKUP_ELEMENT_INVALID' });
  });

  it('never throws on anything a partner could send, and answers with an element or the code', () => {
    const anyElement = fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.anything());
    fc.assert(
      fc.property(anyElement, (element) => {
        const evaluated = evaluate(key, element as string);
        if (evaluated.ok) expect(evaluated.evaluatedElement).toMatch(/^[0-9a-f]{64}$/);
        else expect(evaluated.code).toBe('LOOKUP_ELEMENT_INVALID');
        const finalized = finalize(input, blindScalar, element as string);
        expect(finalized.ok || finalized.code === 'LOOKUP_ELEMENT_INVALID').toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('keys and blinds', () => {
  it('stores and reads back a key, and refuses anything that is not a canonical non-zero scalar', () => {
    const key = generateKey();
    const read = parseServerKey(serverKeyHex(key));
    expect(read.ok && serverKeyHex(read.key)).toBe(serverKeyHex(key));
    for (const bad of [le32(0n), le32(ORDER), le32(ORDER + 1n), serverKeyHex(key).toUpperCase(), serverKeyHex(key).slice(2), 7, null]) {
      expect(parseServerKey(bad)).toMatchObject({ ok: false, code: 'LOOKUP_KEY_INVALID' });
    }
    expect(parseServerKey(le32(ORDER - 1n)).ok).toBe(true);
  });

  it('derives keys from 32-byte seeds only', () => {
    expect(deriveKey(new Uint8Array(31), 'x')).toMatchObject({ ok: false, code: 'LOOKUP_KEY_INVALID' });
    expect(deriveKey(new Uint8Array(33), 'x')).toMatchObject({ ok: false, code: 'LOOKUP_KEY_INVALID' });
    const a = deriveKey(new Uint8Array(32), 'epoch 1');
    const b = deriveKey(new Uint8Array(32), 'epoch 2');
    expect(a.ok && b.ok && serverKeyHex(a.key) !== serverKeyHex(b.key)).toBe(true);
  });

  it('never shows the key when it is logged or serialized', () => {
    const key = generateKey();
    const secret = serverKeyHex(key);
    for (const shown of [JSON.stringify({ key }), String(key), inspect(key, { showHidden: true, depth: 5 }), `${key}`]) {
      expect(shown).not.toContain(secret);
      expect(shown).not.toContain(secret.slice(0, 16));
    }
  });

  it('refuses a blind that is not a canonical non-zero scalar', () => {
    const key = generateKey();
    const input = Uint8Array.of(1);
    const evaluated = evaluate(key, blind(input).blindedElement);
    if (!evaluated.ok) throw new Error(evaluated.message);
    const bads: Uint8Array[] = [le32(0n), le32(ORDER), 'ff'.repeat(32)].map((h) => Uint8Array.from(Buffer.from(h, 'hex')));
    for (const bad of [...bads, new Uint8Array(31), 'x' as never]) {
      expect(finalize(input, bad, evaluated.evaluatedElement)).toMatchObject({ ok: false, code: 'LOOKUP_BLIND_INVALID' });
    }
  });

  it('refuses inputs RFC 9497 cannot length-prefix, with a code', () => {
    const key = generateKey();
    expect(() => prfOutput(key, new Uint8Array(0x10000))).toThrow(expect.objectContaining({ code: 'LOOKUP_INPUT_INVALID' }));
    expect(() => blind('text' as never)).toThrow(expect.objectContaining({ code: 'LOOKUP_INPUT_INVALID' }));
    expect(prfOutput(key, new Uint8Array(0xffff))).toMatch(/^[0-9a-f]{128}$/);
  });

  it('reads PRF outputs as 128 lower-case hex digits only', () => {
    expect(decodePrfOutput('ab'.repeat(64)).ok).toBe(true);
    for (const bad of ['AB'.repeat(64), 'ab'.repeat(63), 'ab'.repeat(65), '', 12, null]) {
      expect(decodePrfOutput(bad)).toMatchObject({ ok: false, code: 'LOOKUP_OUTPUT_INVALID' });
    }
  });
});
