import { describe, expect, it } from 'vitest';
import { INDICATOR_TYPES, type IndicatorType } from './indicator.types';
import { normalizeValue } from './value.normalizer';

const CTX = { defaultRegion: 'NL', chain: 'btc' };

describe('normalizeValue: hostile input, every type', () => {
  const hostile: [string, string, string][] = [
    ['NUL', 'abc\u0000def', 'VALUE_CONTROL_CHARACTER'],
    ['NUL only', '\u0000', 'VALUE_CONTROL_CHARACTER'],
    ['escape sequence', '\u001b[31mred', 'VALUE_CONTROL_CHARACTER'],
    ['DEL', 'abc\u007f', 'VALUE_CONTROL_CHARACTER'],
    ['C1 control', 'abc\u0090def', 'VALUE_CONTROL_CHARACTER'],
    ['right-to-left override', 'abc\u202Edef', 'VALUE_BIDI_CONTROL'],
    ['left-to-right embedding', '\u202Aabc', 'VALUE_BIDI_CONTROL'],
    ['first-strong isolate', 'abc\u2068def', 'VALUE_BIDI_CONTROL'],
    ['Arabic letter mark', 'abc\u061Cdef', 'VALUE_BIDI_CONTROL'],
    ['lone high surrogate', 'abc\uD83Ddef', 'VALUE_INVALID_UNICODE'],
    ['100 KB string', 'a'.repeat(100 * 1024), 'VALUE_TOO_LONG'],
    ['100 KB of NUL', '\u0000'.repeat(100 * 1024), 'VALUE_TOO_LONG'],
    ['empty', '', 'VALUE_EMPTY'],
    ['whitespace only', ' \t\r\n\u00A0\u3000\uFEFF', 'VALUE_EMPTY'],
  ];
  const cases = INDICATOR_TYPES.flatMap((type) => hostile.map(([name, raw, code]) => [type, name, raw, code] as const));

  it.each(cases)('%s / %s → %s', (type, _name, raw, code) => {
    const result = normalizeValue(type, raw, CTX);
    expect(result).toMatchObject({ ok: false, code });
    if (!result.ok) expect(result.message.length).toBeLessThan(300); // never echoes 100 KB back
  });

  it('refuses a value that is not a string (JavaScript callers) without throwing', () => {
    for (const raw of [undefined, null, 42, {}, ['+31612345678'], Symbol('x')]) {
      expect(normalizeValue('phone', raw as unknown as string, CTX)).toMatchObject({ ok: false, code: 'VALUE_NOT_A_STRING' });
    }
  });

  it('refuses an unknown type without throwing', () => {
    expect(normalizeValue('fax' as IndicatorType, '123', CTX)).toMatchObject({ ok: false, code: 'UNKNOWN_TYPE' });
    expect(normalizeValue(undefined as unknown as IndicatorType, '123', CTX)).toMatchObject({ ok: false, code: 'UNKNOWN_TYPE' });
  });

  it('keeps 4,096 characters (the limit) readable: rejects on the type rules, quickly', () => {
    const started = performance.now();
    for (const type of INDICATOR_TYPES) {
      expect(normalizeValue(type, '9'.repeat(4096), CTX).ok).toBe(false);
    }
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('file-sha256 normalization', () => {
  const digest = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'; // SHA-256 of ""
  it.each([
    [digest, digest],
    [digest.toUpperCase(), digest],
    [`  ${digest}\n`, digest],
  ])('%j → %j', (raw, expected) => {
    expect(normalizeValue('file-sha256', raw, {})).toEqual({ ok: true, value: expected });
  });

  it.each([
    digest.slice(1), // 63 digits
    `${digest}0`, // 65 digits
    `${digest.slice(1)}g`,
    `sha256:${digest}`,
    `0x${digest}`,
    'd41d8cd98f00b204e9800998ecf8427e', // an MD5 is not a SHA-256
  ])('%j → FILE_SHA256_INVALID', (raw) => {
    expect(normalizeValue('file-sha256', raw, {})).toMatchObject({ ok: false, code: 'FILE_SHA256_INVALID' });
  });
});
