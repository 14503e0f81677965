import { describe, expect, it } from 'vitest';
import { normalizeValue } from './value.normalizer';

describe('keyword normalization', () => {
  it.each([
    ['New in Town', 'new in town'],
    ['  new   in\ttown\n', 'new in town'], // whitespace runs collapse, tabs and line breaks included
    ['new\r\nin town', 'new in town'],
    ['ＮＥＷ　ＩＮ　ＴＯＷＮ', 'new in town'], // full-width letters and ideographic space
    ['ﬁrst time', 'first time'], // ﬁ ligature → fi
    ['ﬀ', 'ff'],
    ['Ⅻ hours', 'xii hours'], // Roman numeral twelve is a compatibility character
    ['²4/7', '24/7'], // superscript two
    ['Straße', 'straße'], // lower-casing, not full case folding: ß stays (see README)
    ['ΟΔΟΣ', 'οδος'],
    ['🌹 roses 🌹', '🌹 roses 🌹'],
    ['👩‍❤️‍👨', '👩‍❤️‍👨'], // a ZWJ emoji sequence is kept intact
    ['cafe\u0301', 'café'], // NFKC composes
    ['KELVIN', 'kelvin'], // Kelvin sign K
  ])('%j → %j', (raw, expected) => {
    expect(normalizeValue('keyword', raw, {})).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['', 'VALUE_EMPTY'],
    [' \t\n ', 'VALUE_EMPTY'],
    ['\u3000', 'VALUE_EMPTY'],
    ['a'.repeat(257), 'KEYWORD_TOO_LONG'],
    ['\uFDFA'.repeat(20), 'KEYWORD_TOO_LONG'], // one character that NFKC expands to 18
    ['new\u0000town', 'VALUE_CONTROL_CHARACTER'],
    ['new\u0085town', 'VALUE_CONTROL_CHARACTER'], // C1 "next line"
    ['new\u202Etown', 'VALUE_BIDI_CONTROL'],
    ['new\u2066town\u2069', 'VALUE_BIDI_CONTROL'],
    ['new\u200Ftown', 'VALUE_BIDI_CONTROL'], // right-to-left mark: invisible
    ['lone \uD800 surrogate', 'VALUE_INVALID_UNICODE'],
    ['lone \uDC00 surrogate', 'VALUE_INVALID_UNICODE'],
  ])('%j → %s', (raw, code) => {
    expect(normalizeValue('keyword', raw, {})).toMatchObject({ ok: false, code });
  });
});
