import { describe, expect, it } from 'vitest';
import { normalizeValue } from './value.normalizer';

describe('domain normalization', () => {
  it.each([
    ['Example.COM', 'example.com'],
    ['example.com.', 'example.com'], // one trailing root dot dropped
    ['  www.example.co.uk  ', 'www.example.co.uk'],
    ['bücher.de', 'xn--bcher-kva.de'],
    ['BÜCHER.de', 'xn--bcher-kva.de'],
    ['xn--bcher-kva.de', 'xn--bcher-kva.de'],
    ['faß.de', 'xn--fa-hia.de'], // UTS #46 non-transitional: ß is kept (not "fass")
    ['ｅｘａｍｐｌｅ．ｃｏｍ', 'example.com'], // full-width letters and dot
    ['example。com', 'example.com'], // ideographic full stop
    ['example.com。', 'example.com'],
    ['exa\u00ADmple.com', 'example.com'], // soft hyphen: IDNA ignores it
    ['ex\u200Bample.com', 'example.com'], // zero-width space: IDNA ignores it
    ['пример.рф', 'xn--e1afmkfd.xn--p1ai'],
    // Homograph: Cyrillic "а" in "pаypal" is a different domain; it stays one, deterministically.
    ['pаypal.com', 'xn--pypal-4ve.com'],
    ['paypal.com', 'paypal.com'],
    ['ab--cd.example', 'ab--cd.example'],
    [`${'a'.repeat(63)}.com`, `${'a'.repeat(63)}.com`],
  ])('%j → %j', (raw, expected) => {
    expect(normalizeValue('domain', raw, {})).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['localhost', 'DOMAIN_SINGLE_LABEL'],
    ['com.', 'DOMAIN_SINGLE_LABEL'],
    ['example.com..', 'DOMAIN_LABEL_INVALID'], // only one trailing dot is forgiven
    ['.example.com', 'DOMAIN_LABEL_INVALID'],
    ['exa_mple.com', 'DOMAIN_LABEL_INVALID'],
    ['-example.com', 'DOMAIN_LABEL_INVALID'],
    ['*.example.com', 'DOMAIN_LABEL_INVALID'],
    [`${'a'.repeat(64)}.com`, 'DOMAIN_LABEL_INVALID'],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(60)}.com`, 'DOMAIN_TOO_LONG'],
    ['192.0.2.1', 'DOMAIN_IS_IP_ADDRESS'],
    ['0x7f.1', 'DOMAIN_IS_IP_ADDRESS'], // WHATWG reads it as 127.0.0.1
    ['ex%41mple.com', 'DOMAIN_INVALID'], // would be percent-decoded by the host parser
    ['https://example.com/', 'DOMAIN_INVALID'],
    ['exa mple.com', 'DOMAIN_INVALID'],
    ['xn--zz.com', 'DOMAIN_INVALID'], // invalid punycode
    ['example.com/path', 'DOMAIN_INVALID'],
    ['exam\u0000ple.com', 'VALUE_CONTROL_CHARACTER'],
    ['exam\u2066ple.com', 'VALUE_BIDI_CONTROL'],
  ])('%j → %s', (raw, code) => {
    expect(normalizeValue('domain', raw, {})).toMatchObject({ ok: false, code });
  });
});
