import { describe, expect, it } from 'vitest';
import { agreementInputSchema } from './agreement-input.schema';

const minimal = {
  partner: 'de-bka',
  directions: ['export'],
  types: ['phone'],
  maxTlp: 'amber',
  purposes: ['investigation'],
  retentionDays: 365,
  validFrom: '2026-01-01T00:00:00Z',
};

describe('agreementInputSchema', () => {
  it('fills defaults and normalises dates', () => {
    expect(agreementInputSchema.parse(minimal)).toEqual({
      ...minimal,
      validFrom: '2026-01-01T00:00:00.000Z',
      validUntil: null,
      pseudonymize: [],
      lookups: false,
      encrypt: false,
      onward: false,
      note: null,
    });
  });

  it('takes the onward-sharing term (default false), and only as a boolean', () => {
    expect(agreementInputSchema.parse({ ...minimal, onward: true }).onward).toBe(true);
    expect(agreementInputSchema.safeParse({ ...minimal, onward: 1 }).success).toBe(false);
  });

  it('takes the encryption term (every bundle to the partner encrypted), and only as a boolean', () => {
    expect(agreementInputSchema.parse({ ...minimal, encrypt: true }).encrypt).toBe(true);
    expect(agreementInputSchema.safeParse({ ...minimal, encrypt: 'yes' }).success).toBe(false);
  });

  it('de-duplicates lists into their canonical order and accepts dates with offsets or date-only', () => {
    const parsed = agreementInputSchema.parse({
      ...minimal,
      directions: ['import', 'export', 'import'],
      types: ['iban', 'phone', 'iban'],
      purposes: ['intelligence', 'investigation', 'intelligence'],
      pseudonymize: ['iban', 'iban'],
      validFrom: '2026-01-01T02:00:00+02:00',
      validUntil: '2027-01-01',
      retentionDays: null,
      note: 'Signed MoU 2026/14.\nReview yearly.',
    });
    expect(parsed).toMatchObject({
      directions: ['export', 'import'],
      types: ['phone', 'iban'],
      purposes: ['investigation', 'intelligence'],
      pseudonymize: ['iban'],
      validFrom: '2026-01-01T00:00:00.000Z',
      validUntil: '2027-01-01T00:00:00.000Z',
      retentionDays: null,
    });
  });

  it.each<[string, Record<string, unknown>]>([
    ['an unknown field (a typo must not silently relax a term)', { retentionDay: 30 }],
    ['no directions', { directions: [] }],
    ['an unknown direction', { directions: ['both'] }],
    ['no types', { types: [] }],
    ['an unknown type', { types: ['telex'] }],
    ['no purposes', { purposes: [] }],
    ['an unknown purpose', { purposes: ['curiosity'] }],
    ['an unknown TLP', { maxTlp: 'white' }],
    ['retention 0', { retentionDays: 0 }],
    ['retention over 100 years', { retentionDays: 36_501 }],
    ['fractional retention', { retentionDays: 1.5 }],
    ['retention left out (null must be said)', { retentionDays: undefined }],
    ['a partner that is not a node id', { partner: 'DE BKA' }],
    ['the community audience as partner', { partner: 'all' }],
    ['a date without offset', { validFrom: '2026-01-01T00:00:00' }],
    ['a year before 1000', { validFrom: '0999-01-01' }],
    ['validUntil equal to validFrom', { validUntil: '2026-01-01T00:00:00Z' }],
    ['validUntil before validFrom', { validUntil: '2025-01-01' }],
    ['a pseudonymized type that is not agreed', { pseudonymize: ['email'] }],
    ['a note over 2000 characters', { note: 'x'.repeat(2001) }],
    ['a note with a bidi control', { note: 'abc\u202Edef' }],
    ['a note with a lone surrogate', { note: 'abc\uD800' }],
    ['lookups as a string', { lookups: 'yes' }],
  ])('refuses %s', (_name, change) => {
    expect(agreementInputSchema.safeParse({ ...minimal, ...change }).success).toBe(false);
  });
});
