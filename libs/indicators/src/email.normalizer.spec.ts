import { describe, expect, it } from 'vitest';
import { normalizeValue } from './value.normalizer';

describe('email normalization', () => {
  it.each([
    ['Anna.Smith@Example.COM', 'anna.smith@example.com'],
    ['  anna@example.com\t', 'anna@example.com'],
    ['anna@example.com.', 'anna@example.com'], // root dot of the domain
    ['anna+ads@example.com', 'anna+ads@example.com'], // sub-addressing is provider-specific: kept
    ['a.n.n.a@gmail.com', 'a.n.n.a@gmail.com'], // Gmail dots kept for the same reason
    ['anna@bücher.de', 'anna@xn--bcher-kva.de'], // IDN domain → punycode
    ['anna@xn--bcher-kva.de', 'anna@xn--bcher-kva.de'],
    ['Anna@BÜCHER.DE', 'anna@xn--bcher-kva.de'],
    ['ａｎｎａ＠ｅｘａｍｐｌｅ．ｃｏｍ', 'anna@example.com'], // full-width typing
    ['josé@exämple.es', 'josé@xn--exmple-cua.es'], // internationalized local part (RFC 6531)
    ['ÄNNE@example.de', 'änne@example.de'],
    ['用户@例子.测试', '用户@xn--fsqu00a.xn--0zwm56d'], // IANA's IDN test domain
    ["o'brien!#$%&*/=?^_`{|}~-@example.ie", "o'brien!#$%&*/=?^_`{|}~-@example.ie"],
    ['anna@ex\u00ADample.com', 'anna@example.com'], // soft hyphen is ignored by IDNA
  ])('%j → %j', (raw, expected) => {
    expect(normalizeValue('email', raw, {})).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['anna', 'EMAIL_INVALID'],
    ['anna@@example.com', 'EMAIL_INVALID'],
    ['"anna@home"@example.com', 'EMAIL_INVALID'], // quoted local parts are not supported
    ['.anna@example.com', 'EMAIL_INVALID'],
    ['anna.@example.com', 'EMAIL_INVALID'],
    ['an..na@example.com', 'EMAIL_INVALID'],
    ['an na@example.com', 'EMAIL_INVALID'],
    ['Anna <anna@example.com>', 'EMAIL_INVALID'],
    ['mailto:anna@example.com', 'EMAIL_INVALID'],
    [`${'a'.repeat(65)}@example.com`, 'EMAIL_INVALID'],
    ['anna@[192.0.2.1]', 'EMAIL_INVALID'],
    ['anna@localhost', 'EMAIL_DOMAIN_INVALID'],
    ['anna@example..com', 'EMAIL_DOMAIN_INVALID'],
    ['anna@exa_mple.com', 'EMAIL_DOMAIN_INVALID'],
    ['anna@192.0.2.1', 'EMAIL_DOMAIN_INVALID'],
    ['anna@', 'EMAIL_DOMAIN_INVALID'],
    [`anna@${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`, 'EMAIL_DOMAIN_INVALID'],
    [`${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(60)}.com`, 'EMAIL_TOO_LONG'],
    ['anna\u0000@example.com', 'VALUE_CONTROL_CHARACTER'],
    ['anna@exam\u202Eple.com', 'VALUE_BIDI_CONTROL'],
  ])('%j → %s', (raw, code) => {
    expect(normalizeValue('email', raw, {})).toMatchObject({ ok: false, code });
  });
});
