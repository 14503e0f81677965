import { describe, expect, it } from 'vitest';
import { normalizeValue } from './value.normalizer';

describe('url normalization', () => {
  it.each([
    ['http://example.com', 'http://example.com/'],
    ['HTTP://Example.COM/Path', 'http://example.com/Path'], // the path keeps its case
    ['example.com/ad?id=7', 'http://example.com/ad?id=7'], // no scheme → http
    ['www.example.com', 'http://www.example.com/'],
    ['example.com:8080/x', 'http://example.com:8080/x'], // host:port is not a scheme
    ['//example.com/x', 'http://example.com/x'],
    ['http://example.com:80/a', 'http://example.com/a'], // default port dropped
    ['https://example.com:443/a', 'https://example.com/a'],
    ['https://example.com:80/a', 'https://example.com:80/a'], // not the default for https
    ['http://example.com/a#section', 'http://example.com/a'], // fragment dropped
    ['http://example.com/a?', 'http://example.com/a'], // empty query dropped
    ['http://example.com./a', 'http://example.com/a'], // trailing root dot of the host dropped
    ['http://bücher.de/ü?q=ä', 'http://xn--bcher-kva.de/%C3%BC?q=%C3%A4'],
    ['http://example.com/%7euser/%2f%41', 'http://example.com/~user/%2FA'], // RFC 3986 §6.2.2
    ['http://example.com/a b', 'http://example.com/a%20b'],
    ['http://example.com/100%', 'http://example.com/100%25'], // a stray "%" is encoded
    ['http://example.com/%7%41e', 'http://example.com/%257Ae'], // …so that decoding never forms a new escape
    ['http://192.0.2.1/ad', 'http://192.0.2.1/ad'],
    ['http://[2001:DB8:0:0::1]:8080/', 'http://[2001:db8::1]:8080/'],
    ['http://0x7f.1/', 'http://127.0.0.1/'], // WHATWG's IPv4 parsing, as every browser does it
    ['https://t.me/+AbCdEf', 'https://t.me/+AbCdEf'],
    ['http:example.com/x', 'http://example.com/x'],
    ['HTTP://Bücher.DE:80/%7e?#x', 'http://xn--bcher-kva.de/~'], // the README example
  ])('%j → %j', (raw, expected) => {
    expect(normalizeValue('url', raw, {})).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['javascript:alert(1)', 'URL_SCHEME_NOT_ALLOWED'],
    ['JaVaScRiPt:alert(1)', 'URL_SCHEME_NOT_ALLOWED'],
    [' javascript:alert(1)', 'URL_SCHEME_NOT_ALLOWED'],
    ['data:text/html,<script>alert(1)</script>', 'URL_SCHEME_NOT_ALLOWED'],
    ['ftp://example.com/file', 'URL_SCHEME_NOT_ALLOWED'],
    ['mailto:anna@example.com', 'URL_SCHEME_NOT_ALLOWED'],
    ['file:///etc/passwd', 'URL_SCHEME_NOT_ALLOWED'],
    ['http://user:secret@example.com/', 'URL_CREDENTIALS_NOT_ALLOWED'],
    ['http://user@example.com/', 'URL_CREDENTIALS_NOT_ALLOWED'],
    ['https://:secret@example.com/', 'URL_CREDENTIALS_NOT_ALLOWED'],
    ['http://example.com:99999/', 'URL_INVALID'],
    ['http://exa mple.com/', 'URL_INVALID'],
    ['http://', 'URL_INVALID'],
    ['http://localhost/admin', 'URL_HOST_INVALID'],
    ['http://exa_mple.com/', 'URL_HOST_INVALID'],
    ['http://example.com/\u0000', 'VALUE_CONTROL_CHARACTER'],
    ['http://exa\nmple.com/', 'VALUE_CONTROL_CHARACTER'], // WHATWG would silently drop the newline
    ['http://example.com/\u202Egnp.exe', 'VALUE_BIDI_CONTROL'],
    [`http://example.com/${'ä'.repeat(700)}`, 'URL_TOO_LONG'], // 4,200 characters once percent-encoded
    [`http://example.com/${'a'.repeat(5000)}`, 'VALUE_TOO_LONG'],
  ])('%j → %s', (raw, code) => {
    expect(normalizeValue('url', raw, {})).toMatchObject({ ok: false, code });
  });
});
