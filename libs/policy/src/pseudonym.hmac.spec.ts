import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INDICATOR_TYPES } from '@palermo/indicators';
import { pseudonymize } from './pseudonym.hmac';

const secretA = new Uint8Array(32).fill(1);
const secretB = new Uint8Array(32).fill(2);
const secretArb = fc.uint8Array({ minLength: 16, maxLength: 64 });
const typeArb = fc.constantFrom(...INDICATOR_TYPES);
const valueArb = fc.string({ unit: 'binary', maxLength: 100 });

describe('pseudonymize', () => {
  it('is hmac-sha256: + hex HMAC-SHA256(secret, type NUL value)', () => {
    const expected = createHmac('sha256', secretA).update('phone\0+31612345678').digest('hex');
    expect(pseudonymize(secretA, 'phone', '+31612345678')).toBe(`hmac-sha256:${expected}`);
    expect(pseudonymize(secretA, 'phone', '+31612345678')).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
  });

  it('property: deterministic for one secret', () => {
    fc.assert(
      fc.property(secretArb, typeArb, valueArb, (secret, type, value) => {
        expect(pseudonymize(Uint8Array.from(secret), type, value)).toBe(pseudonymize(secret, type, value));
      }),
    );
  });

  it('property: different secrets give different pseudonyms for the same value', () => {
    fc.assert(
      fc.property(secretArb, secretArb, typeArb, valueArb, (a, b, type, value) => {
        fc.pre(Buffer.compare(Buffer.from(a), Buffer.from(b)) !== 0);
        expect(pseudonymize(a, type, value)).not.toBe(pseudonymize(b, type, value));
      }),
    );
  });

  it('the type is part of the input: the same value as another type gives another pseudonym', () => {
    expect(pseudonymize(secretA, 'username', 'example.org')).not.toBe(pseudonymize(secretA, 'domain', 'example.org'));
    expect(pseudonymize(secretA, 'email', 'x')).not.toBe(pseudonymize(secretB, 'email', 'x'));
  });

  it('refuses a secret shorter than 16 bytes', () => {
    expect(() => pseudonymize(new Uint8Array(15), 'phone', '+31612345678')).toThrowError(expect.objectContaining({ code: 'PSEUDONYM_SECRET_TOO_SHORT' }));
  });
});
