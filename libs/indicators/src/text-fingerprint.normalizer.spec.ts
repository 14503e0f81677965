import { describe, expect, it } from 'vitest';
import { textFingerprint } from './fingerprint/simhash.fingerprint';
import { normalizeValue } from './value.normalizer';

const HEX = '0f1e2d3c4b5a6978';

describe('text-fingerprint normalization', () => {
  it.each([
    ['prefixed', `simhash64:${HEX}`, `simhash64:${HEX}`],
    ['upper-case hex and prefix', `SIMHASH64:${HEX.toUpperCase()}`, `simhash64:${HEX}`],
    ['bare 16 hex digits → simhash64', HEX.toUpperCase(), `simhash64:${HEX}`],
    ['surrounding whitespace', `\u3000simhash64:${HEX} `, `simhash64:${HEX}`],
    ['spaces inside', 'simhash64: 0f1e 2d3c 4b5a 6978', `simhash64:${HEX}`],
    ['full-width (NFKC)', 'ｓｉｍｈａｓｈ６４：０ｆ１ｅ２ｄ３ｃ４ｂ５ａ６９７８', `simhash64:${HEX}`],
    ['all zeros', `simhash64:${'0'.repeat(16)}`, `simhash64:${'0'.repeat(16)}`],
  ])('%s', (_name, raw, expected) => {
    expect(normalizeValue('text-fingerprint', raw)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['bare hex of 15 digits', HEX.slice(1), 'TEXT_FINGERPRINT_ALGORITHM'],
    ['bare hex of 32 digits (a 128-bit hash)', HEX + HEX, 'TEXT_FINGERPRINT_ALGORITHM'],
    ['simhash64 one digit short', `simhash64:${HEX.slice(1)}`, 'TEXT_FINGERPRINT_LENGTH'],
    ['simhash64 one digit long', `simhash64:${HEX}0`, 'TEXT_FINGERPRINT_LENGTH'],
    ['MinHash is another algorithm', `minhash:${HEX}`, 'TEXT_FINGERPRINT_ALGORITHM'],
    ['simhash128 is another algorithm', `simhash128:${HEX}${HEX}`, 'TEXT_FINGERPRINT_ALGORITHM'],
    ['an image hash is not a text fingerprint', `phash:${HEX}`, 'TEXT_FINGERPRINT_ALGORITHM'],
    ['an algorithm named like an object property', `constructor:${HEX}`, 'TEXT_FINGERPRINT_ALGORITHM'],
    ['non-hex digit', `simhash64:${HEX.slice(1)}z`, 'TEXT_FINGERPRINT_INVALID'],
    ['0x prefix', `0x${HEX}`, 'TEXT_FINGERPRINT_INVALID'],
    ['the ad text itself, not its fingerprint', 'New in town, call me', 'TEXT_FINGERPRINT_INVALID'],
    ['empty after the prefix', 'simhash64:', 'TEXT_FINGERPRINT_INVALID'],
    ['decimal integer', '1088542695302463864', 'TEXT_FINGERPRINT_ALGORITHM'],
  ])('%s → %s', (_name, raw, code) => {
    const result = normalizeValue('text-fingerprint', raw);
    expect(result).toMatchObject({ ok: false, code });
    if (!result.ok) expect(result.message.length).toBeLessThan(300);
  });

  it.each([
    ['NUL', `simhash64:${HEX}\u0000`, 'VALUE_CONTROL_CHARACTER'],
    ['tab inside', `simhash64:\t${HEX}`, 'VALUE_CONTROL_CHARACTER'],
    ['bidi isolate', `\u2066simhash64:${HEX}`, 'VALUE_BIDI_CONTROL'],
    ['lone surrogate', `simhash64:${HEX}\uDFFF`, 'VALUE_INVALID_UNICODE'],
    ['100 KB', '0'.repeat(100_000), 'VALUE_TOO_LONG'],
  ])('hostile: %s → %s', (_name, raw, code) => {
    expect(normalizeValue('text-fingerprint', raw)).toMatchObject({ ok: false, code });
  });

  it('accepts what textFingerprint produces, unchanged', () => {
    const fingerprint = textFingerprint('New in town, sweet girl, call me 24/7');
    expect(normalizeValue('text-fingerprint', fingerprint)).toEqual({ ok: true, value: fingerprint });
  });
});
