import { describe, expect, it } from 'vitest';
import { keyStatementBytes, MAX_KEY_STATEMENT_BYTES, readKeyStatement } from './key-statement.reader';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('readKeyStatement', () => {
  it.each([
    ['a rotation', '{"rotation":{},"oldSignature":"x","newSignature":"y"}', 'rotation'],
    ['a revocation', '{"revocation":{},"signature":"x"}', 'revocation'],
  ])('reads %s by its outer shape (the verifier checks the rest)', (_label, text, kind) => {
    expect(readKeyStatement(bytes(text))).toMatchObject({ ok: true, kind });
  });

  it.each([
    ['not JSON', bytes('{"rotation":'), 'KEY_STATEMENT_MALFORMED'],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'KEY_STATEMENT_MALFORMED'],
    ['an array', bytes('[{"rotation":{}}]'), 'KEY_STATEMENT_MALFORMED'],
    ['null', bytes('null'), 'KEY_STATEMENT_MALFORMED'],
    ['a string', bytes('"rotation"'), 'KEY_STATEMENT_MALFORMED'],
    ['another kind', bytes('{"card":{}}'), 'KEY_STATEMENT_UNKNOWN_KIND'],
    ['one byte over the limit', new Uint8Array(MAX_KEY_STATEMENT_BYTES + 1), 'KEY_STATEMENT_OVERSIZE'],
  ])('refuses %s', (_label, payload, code) => {
    expect(readKeyStatement(payload)).toMatchObject({ ok: false, code });
  });

  it('publishes RFC 8785 bytes: the same statement always has the same hash', () => {
    expect(new TextDecoder().decode(keyStatementBytes({ b: 1, a: { d: 2, c: 'x' } }))).toBe('{"a":{"c":"x","d":2},"b":1}');
  });
});
