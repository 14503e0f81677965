import { describe, expect, it } from 'vitest';
import { normalizeValue } from './value.normalizer';

const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const PHASH = 'd1c4e2a3b4f50617';

describe('image-hash normalization', () => {
  it.each([
    ['PDQ, prefixed', `pdq:${PDQ}`, `pdq:${PDQ}`],
    ['pHash, prefixed', `phash:${PHASH}`, `phash:${PHASH}`],
    ['upper-case hex and prefix', `PDQ:${PDQ.toUpperCase()}`, `pdq:${PDQ}`],
    ['mixed case', `PHash:D1C4e2a3B4F50617`, `phash:${PHASH}`],
    ['bare 64 hex digits → PDQ', PDQ, `pdq:${PDQ}`],
    ['bare 16 hex digits → pHash', PHASH.toUpperCase(), `phash:${PHASH}`],
    ['surrounding whitespace', `  pdq:${PDQ}\u00A0`, `pdq:${PDQ}`],
    ['spaces inside (copied in groups)', `phash: d1c4 e2a3 b4f5 0617`, `phash:${PHASH}`],
    ['full-width digits and letters (NFKC)', 'ｐｈａｓｈ：ｄ１ｃ４ｅ２ａ３ｂ４ｆ５０６１７', `phash:${PHASH}`],
  ])('%s', (_name, raw, expected) => {
    expect(normalizeValue('image-hash', raw)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['bare hex of another length (32: an MD5?)', 'd41d8cd98f00b204e9800998ecf8427e', 'IMAGE_HASH_ALGORITHM'],
    ['bare hex of 63 digits', PDQ.slice(1), 'IMAGE_HASH_ALGORITHM'],
    ['PDQ one digit short', `pdq:${PDQ.slice(1)}`, 'IMAGE_HASH_LENGTH'],
    ['PDQ one digit long', `pdq:${PDQ}0`, 'IMAGE_HASH_LENGTH'],
    ['pHash with a PDQ', `phash:${PDQ}`, 'IMAGE_HASH_LENGTH'],
    ['PDQ with a pHash', `pdq:${PHASH}`, 'IMAGE_HASH_LENGTH'],
    ['unknown algorithm', `dhash:${PHASH}`, 'IMAGE_HASH_ALGORITHM'],
    ['a cryptographic digest is not an image hash', `sha256:${PDQ}`, 'IMAGE_HASH_ALGORITHM'],
    ['an algorithm named like an object property', `constructor:${PHASH}`, 'IMAGE_HASH_ALGORITHM'],
    ['__proto__ as algorithm', `__proto__:${PHASH}`, 'IMAGE_HASH_ALGORITHM'],
    ['non-hex digit', `phash:${PHASH.slice(1)}g`, 'IMAGE_HASH_INVALID'],
    ['0x prefix', `0x${PHASH}`, 'IMAGE_HASH_INVALID'],
    ['empty hash after the prefix', 'pdq:', 'IMAGE_HASH_INVALID'],
    ['two prefixes', `pdq:phash:${PHASH}`, 'IMAGE_HASH_INVALID'],
    ['base64 instead of hex', '0fHi6jtPBhc=', 'IMAGE_HASH_INVALID'],
    ['4,096 digits', `pdq:${'a'.repeat(4092)}`, 'IMAGE_HASH_LENGTH'],
  ])('%s → %s', (_name, raw, code) => {
    const result = normalizeValue('image-hash', raw);
    expect(result).toMatchObject({ ok: false, code });
    if (!result.ok) expect(result.message.length).toBeLessThan(300);
  });

  it.each([
    ['NUL', `pdq:${PDQ}\u0000`, 'VALUE_CONTROL_CHARACTER'],
    ['line break inside', `phash:d1c4e2a3\nb4f50617`, 'VALUE_CONTROL_CHARACTER'],
    ['right-to-left override', `phash:\u202E${PHASH}`, 'VALUE_BIDI_CONTROL'],
    ['lone surrogate', `phash:${PHASH}\uD800`, 'VALUE_INVALID_UNICODE'],
    ['zero-width space (NFKC keeps it; not hex)', `phash:d1c4\u200Be2a3b4f50617`, 'IMAGE_HASH_INVALID'],
    ['100 KB', 'f'.repeat(100_000), 'VALUE_TOO_LONG'],
  ])('hostile: %s → %s', (_name, raw, code) => {
    expect(normalizeValue('image-hash', raw)).toMatchObject({ ok: false, code });
  });

  it('is idempotent on what it accepts', () => {
    for (const raw of [PDQ, PHASH, `PDQ:${PDQ.toUpperCase()}`]) {
      const once = normalizeValue('image-hash', raw);
      expect(once.ok && normalizeValue('image-hash', once.value)).toEqual(once);
    }
  });
});
