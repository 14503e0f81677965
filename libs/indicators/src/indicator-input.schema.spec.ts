import { describe, expect, it } from 'vitest';
import { indicatorInputSchema, parseIndicatorInput } from './schemas/indicator-input.schema';

const NL = { defaultRegion: 'NL' };

describe('indicatorInputSchema', () => {
  it('normalizes the value, applies defaults and returns nothing the client did not send', () => {
    expect(indicatorInputSchema(NL).parse({ type: 'phone', value: '06 12345678' })).toEqual({
      type: 'phone',
      value: '+31612345678',
      tlp: 'amber',
      confidence: 50,
      tags: [],
    });
  });

  it('normalizes every field of a full item', () => {
    const parsed = indicatorInputSchema(NL).parse({
      type: 'username',
      value: '@Anna_B',
      platform: 'Only Fans',
      tlp: 'green',
      confidence: 80,
      tags: ['ht:recruitment', 'ht:labour', 'ht:recruitment'],
      firstSeen: '2024-05-01T12:00:00+02:00',
      lastSeen: '2024-05-02',
      validUntil: '2025-01-01T00:00:00.5Z',
      description: '  seen in three ads\nsame photos  ',
    });
    expect(parsed).toEqual({
      type: 'username',
      value: 'anna_b',
      platform: 'only-fans',
      tlp: 'green',
      confidence: 80,
      tags: ['ht:labour', 'ht:recruitment'],
      firstSeen: '2024-05-01T10:00:00.000Z',
      lastSeen: '2024-05-02T00:00:00.000Z',
      validUntil: '2025-01-01T00:00:00.500Z',
      description: 'seen in three ads\nsame photos',
    });
  });

  it('needs chain for a crypto-wallet and validates the address for that chain', () => {
    expect(indicatorInputSchema().parse({ type: 'crypto-wallet', chain: 'eth', value: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed' })).toMatchObject({
      chain: 'eth',
      value: '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed',
    });
  });

  it.each([
    // [label, input, expected errors (path + code)]
    ['phone without region', { type: 'phone', value: '06 12345678' }, [[['value'], 'PHONE_REGION_REQUIRED']]],
    ['missing type', { value: 'x' }, [[['type'], 'REQUIRED']]],
    ['unknown type', { type: 'fax', value: 'x' }, [[['type'], 'UNKNOWN_TYPE']]],
    ['missing value', { type: 'email' }, [[['value'], 'REQUIRED']]],
    ['value not a string', { type: 'email', value: 42 }, [[['value'], 'INVALID_TYPE']]],
    ['unknown field', { type: 'domain', value: 'example.com', severity: 'high' }, [[['severity'], 'UNKNOWN_FIELD']]],
    ['platform on a phone', { type: 'domain', value: 'example.com', platform: 'x' }, [[['platform'], 'UNKNOWN_FIELD']]],
    ['chain on a username', { type: 'username', value: 'anna', platform: 'x', chain: 'btc' }, [[['chain'], 'UNKNOWN_FIELD']]],
    ['username without platform', { type: 'username', value: 'anna' }, [[['platform'], 'REQUIRED']]],
    ['crypto-wallet without chain', { type: 'crypto-wallet', value: '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa' }, [[['chain'], 'REQUIRED']]],
    ['unknown chain', { type: 'crypto-wallet', chain: 'doge', value: 'D…' }, [[['chain'], 'UNKNOWN_CHAIN']]],
    ['wallet of the wrong chain', { type: 'crypto-wallet', chain: 'eth', value: '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa' }, [[['value'], 'WALLET_INVALID']]],
    ['bad tlp', { type: 'domain', value: 'example.com', tlp: 'white' }, [[['tlp'], 'INVALID_VALUE']]],
    ['confidence 101', { type: 'domain', value: 'example.com', confidence: 101 }, [[['confidence'], 'OUT_OF_RANGE']]],
    ['confidence -1', { type: 'domain', value: 'example.com', confidence: -1 }, [[['confidence'], 'OUT_OF_RANGE']]],
    ['confidence 1.5', { type: 'domain', value: 'example.com', confidence: 1.5 }, [[['confidence'], 'INVALID_TYPE']]],
    ['confidence "50"', { type: 'domain', value: 'example.com', confidence: '50' }, [[['confidence'], 'INVALID_TYPE']]],
    ['tag pattern', { type: 'domain', value: 'example.com', tags: ['ok', 'HT:Labour'] }, [[['tags', 1], 'INVALID_FORMAT']]],
    ['33 tags', { type: 'domain', value: 'example.com', tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }, [[['tags'], 'TOO_MANY_ITEMS']]],
    ['bad date', { type: 'domain', value: 'example.com', firstSeen: 'yesterday' }, [[['firstSeen'], 'INVALID_DATE']]],
    ['Feb 30', { type: 'domain', value: 'example.com', firstSeen: '2024-02-30' }, [[['firstSeen'], 'INVALID_DATE']]],
    ['local time without offset', { type: 'domain', value: 'example.com', firstSeen: '2024-05-01T12:00:00' }, [[['firstSeen'], 'INVALID_DATE']]],
    ['lastSeen before firstSeen', { type: 'domain', value: 'example.com', firstSeen: '2024-05-02', lastSeen: '2024-05-01' }, [[['lastSeen'], 'LAST_SEEN_BEFORE_FIRST_SEEN']]],
    ['description too long', { type: 'domain', value: 'example.com', description: 'x'.repeat(4097) }, [[['description'], 'TOO_LONG']]],
    ['description with NUL', { type: 'domain', value: 'example.com', description: 'a\u0000b' }, [[['description'], 'CONTROL_CHARACTER']]],
    ['description with bidi override', { type: 'domain', value: 'example.com', description: 'a\u202Eb' }, [[['description'], 'BIDI_CONTROL']]],
    ['not an object', 'phone:+31612345678', [[[], 'INVALID_TYPE']]],
    ['null', null, [[[], 'INVALID_TYPE']]],
  ])('%s', (_label, input, expected) => {
    const result = parseIndicatorInput(input, {});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.path, e.code])).toEqual(expected);
    for (const error of result.errors) expect(error.message).toMatch(/\w{3,}/);
  });

  it('reports every field error of one item at once', () => {
    const result = parseIndicatorInput({ type: 'email', value: 'not-an-email', tlp: 'white', confidence: 500, tags: ['BAD'], extra: true });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path.join('.')).sort()).toEqual(['confidence', 'extra', 'tags.0', 'tlp', 'value']);
  });

  it('caps unknown-field errors of one object and never echoes a huge key', () => {
    const junk = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`${'k'.repeat(10_000)}${i}`, i]));
    const result = parseIndicatorInput({ type: 'domain', value: 'example.com', ...junk });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(11);
    expect(result.errors[10]).toMatchObject({ path: [], code: 'UNKNOWN_FIELD', message: '…and 490 more unknown fields' });
    for (const error of result.errors) expect(error.message.length).toBeLessThan(100);
  });

  it('explains errors to a human: field, what is wrong and what is expected', () => {
    const result = parseIndicatorInput({ type: 'domain', value: 'example.com', platform: 'x', confidence: 101 });
    expect(result.ok || result.errors).toEqual([
      { path: ['confidence'], code: 'OUT_OF_RANGE', message: 'confidence must be at most 100' },
      { path: ['platform'], code: 'UNKNOWN_FIELD', message: '"platform" is only allowed (and required) for username indicators' },
    ]);
  });
});
