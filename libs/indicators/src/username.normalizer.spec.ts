import { describe, expect, it } from 'vitest';
import { normalizePlatform } from './normalizers/username.normalizer';
import { normalizeValue } from './value.normalizer';

describe('username normalization', () => {
  it.each([
    ['@Anna_B', 'anna_b'],
    ['anna_b', 'anna_b'],
    ['  @anna_b  ', 'anna_b'],
    ['＠ａｎｎａ＿ｂ', 'anna_b'], // full-width "@" is stripped too (NFKC first)
    ['ANNA', 'anna'],
    ['Ａｎｎａ', 'anna'],
    ['ﬁona', 'fiona'], // ligature
    ['Anna  Maria', 'anna maria'], // display-name style handles keep one space
    ['Ὀδυσσεύς', 'ὀδυσσεύς'],
    ['İstanbul', 'i̇stanbul'], // dotted capital I lower-cases to i + combining dot, stably
    ['user@example', 'user@example'], // only a leading "@" is special
  ])('%j → %j', (raw, expected) => {
    expect(normalizeValue('username', raw, {})).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['@', 'USERNAME_EMPTY'],
    ['@@anna', 'USERNAME_INVALID'], // stripping only one "@" would not be idempotent
    ['@ anna', 'USERNAME_INVALID'],
    ['https://instagram.com/anna', 'USERNAME_INVALID'],
    ['a'.repeat(257), 'USERNAME_TOO_LONG'],
    ['an\u0000na', 'VALUE_CONTROL_CHARACTER'],
    ['an\nna', 'VALUE_CONTROL_CHARACTER'],
    ['anna\u202Egnp', 'VALUE_BIDI_CONTROL'],
  ])('%j → %s', (raw, code) => {
    expect(normalizeValue('username', raw, {})).toMatchObject({ ok: false, code });
  });

  it.each([
    ['Telegram', 'telegram'],
    [' Only Fans ', 'only-fans'],
    ['only_fans', 'only-fans'],
    ['Bedpage.com', 'bedpage.com'],
    ['ＶＫ', 'vk'],
  ])('platform %j → %j', (raw, expected) => {
    expect(normalizePlatform(raw)).toEqual({ ok: true, value: expected });
  });

  it.each(['', '   ', '-telegram', 'tele--gram', 'télégram', 'a:b', 'x'.repeat(65), 'x'.repeat(1000)])('platform %j is refused', (raw) => {
    expect(normalizePlatform(raw)).toMatchObject({ ok: false, code: 'PLATFORM_INVALID' });
  });
});
