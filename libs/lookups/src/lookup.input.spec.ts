import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeValue, type NaturalKeyParts } from '@palermo/indicators';
import { lookupInput } from './lookup.input';

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('lookupInput', () => {
  it.each<[NaturalKeyParts, string]>([
    [{ type: 'phone', value: '+31612345678' }, 'palermo/lookup@1\u0000phone::+31612345678'],
    [{ type: 'username', value: 'anna_b', platform: 'telegram' }, 'palermo/lookup@1\u0000username:telegram:anna_b'],
    [{ type: 'username', value: 'anna_b' }, 'palermo/lookup@1\u0000username::anna_b'],
    [{ type: 'crypto-wallet', value: '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', chain: 'btc' }, 'palermo/lookup@1\u0000crypto-wallet:btc:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa'],
    // A qualifier the identity does not use is ignored, as naturalKey ignores it.
    [{ type: 'phone', value: '+31612345678', platform: 'telegram' }, 'palermo/lookup@1\u0000phone::+31612345678'],
  ])('encodes %o as the tag, NUL and the natural key', (parts, expected) => {
    const made = lookupInput(parts);
    expect(made.ok && text(made.input)).toBe(expected);
  });

  it('gives a phone number and a username with the same text different inputs', () => {
    const phone = lookupInput({ type: 'phone', value: '+31612345678' });
    const username = lookupInput({ type: 'username', value: '+31612345678' });
    expect(phone.ok && username.ok && text(phone.input) !== text(username.input)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['an unnormalized phone number', { type: 'phone', value: '06 12345678' }],
    ['an unnormalized username', { type: 'username', value: '@Anna_B' }],
    ['an unnormalized platform', { type: 'username', value: 'anna_b', platform: 'Telegram' }],
    ['a crypto-wallet without its chain', { type: 'crypto-wallet', value: '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa' }],
    ['an unknown type', { type: 'name', value: 'anna' }],
    ['an empty value', { type: 'keyword', value: '' }],
    ['a value with NUL', { type: 'keyword', value: 'a\u0000b' }],
    ['a value that is not a string', { type: 'keyword', value: 42 }],
    ['no parts at all', undefined],
    ['null', null],
  ])('refuses %s with LOOKUP_INPUT_INVALID', (_name, parts) => {
    expect(lookupInput(parts as NaturalKeyParts)).toMatchObject({ ok: false, code: 'LOOKUP_INPUT_INVALID' });
  });

  it('never throws, and accepts exactly the values normalization leaves unchanged', () => {
    const parts = fc.record(
      {
        type: fc.constantFrom('phone', 'email', 'username', 'keyword', 'domain', 'crypto-wallet', 'nope'),
        value: fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }), fc.anything()),
        platform: fc.oneof(fc.constant('telegram'), fc.string({ maxLength: 8 })),
        chain: fc.constantFrom('btc', 'eth', 'doge'),
      },
      { requiredKeys: ['type', 'value'] },
    );
    fc.assert(
      fc.property(parts, (p) => {
        const made = lookupInput(p as NaturalKeyParts);
        if (made.ok) expect(normalizeValue(p.type as never, p.value as string, { chain: p.chain })).toEqual({ ok: true, value: p.value });
        else expect(made.code).toBe('LOOKUP_INPUT_INVALID');
      }),
      { numRuns: 300 },
    );
  });
});
