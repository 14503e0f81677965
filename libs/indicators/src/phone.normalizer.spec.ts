import { describe, expect, it } from 'vitest';
import { normalizeValue } from './value.normalizer';

describe('phone normalization', () => {
  it.each([
    // [raw, defaultRegion, E.164]
    ['06 12345678', 'NL', '+31612345678'],
    ['06-1234 5678', 'NL', '+31612345678'],
    ['0031 6 12345678', 'NL', '+31612345678'],
    ['+31 6 1234 5678', undefined, '+31612345678'],
    ['+31 (0)6 12345678', undefined, '+31612345678'],
    ['+31612345678', 'DE', '+31612345678'], // an international number ignores the default region
    ['030 123456', 'DE', '+4930123456'],
    ['+49 30 123456', undefined, '+4930123456'],
    ['0151 23456789', 'DE', '+4915123456789'],
    ['00 49 151 23456789', 'DE', '+4915123456789'],
    ['(201) 555-0123', 'US', '+12015550123'],
    ['201.555.0123', 'US', '+12015550123'],
    ['+1 201-555-0123', undefined, '+12015550123'],
    ['+1 201 555 0123 ext. 5', undefined, '+12015550123'], // extensions are dropped
    ['＋３１ ６ １２３４ ５６７８', undefined, '+31612345678'], // full-width digits (IME input)
    ['  +31612345678\n', undefined, '+31612345678'], // pasted with surrounding whitespace
    ['06 12345678', 'nl', '+31612345678'], // region is case-insensitive
  ])('%j (region %s) → %s', (raw, defaultRegion, expected) => {
    expect(normalizeValue('phone', raw, { defaultRegion })).toEqual({ ok: true, value: expected });
  });

  it.each([
    // [raw, defaultRegion, code]
    ['06 12345678', undefined, 'PHONE_REGION_REQUIRED'], // national format without a region
    ['0031612345678', undefined, 'PHONE_REGION_REQUIRED'],
    ['+31 6 1234', undefined, 'PHONE_INVALID'], // too short
    ['+1 200 555 0123', undefined, 'PHONE_INVALID'], // US area codes never start with 0 or 1… nor 200
    ['+999 123 456', undefined, 'PHONE_INVALID'], // unassigned country code
    ['12345', 'US', 'PHONE_INVALID'],
    ['tel:+31612345678', undefined, 'PHONE_INVALID'],
    ['+31612345678x', undefined, 'PHONE_INVALID'],
    ['call +31612345678', undefined, 'PHONE_INVALID'], // no extraction from free text
    ['not a number', 'NL', 'PHONE_INVALID'],
    ['+31612345678', 'XX', 'PHONE_REGION_UNSUPPORTED'],
    ['+31 6 1234\n5678', undefined, 'VALUE_CONTROL_CHARACTER'],
    ['+31\u202E612345678', undefined, 'VALUE_BIDI_CONTROL'],
  ])('%j (region %s) → %s', (raw, defaultRegion, code) => {
    const result = normalizeValue('phone', raw, { defaultRegion });
    expect(result).toMatchObject({ ok: false, code });
    if (!result.ok) expect(result.message.length).toBeGreaterThan(10);
  });

  it('is idempotent without a region: an E.164 value needs none', () => {
    const once = normalizeValue('phone', '0151 23456789', { defaultRegion: 'DE' });
    expect(once.ok && normalizeValue('phone', once.value, {})).toEqual(once);
  });
});
