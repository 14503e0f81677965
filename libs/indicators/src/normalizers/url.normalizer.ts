import { normalized, quote, rejected, type NormalizeResult } from '../normalize.types';
import { normalizeDomain } from './domain.normalizer';

const MAX_URL_LENGTH = 4096;
const SCHEME = /^([a-z][a-z0-9+.-]*):(.*)$/is;
// "example.com:8080/path" is a host and a port, not the scheme "example.com".
const PORT_AFTER_HOST = /^[0-9]+(?:[/?#]|$)/;
const IPV4_HOST = /^[0-9]+(?:\.[0-9]+){3}$/;
// An escape, or a stray "%" that is not one.
const PERCENT = /%([0-9a-fA-F]{2})?/g;
const UNRESERVED = /^[A-Za-z0-9._~-]$/;

/**
 * url → WHATWG serialization of an http(s) URL: scheme and host lower-cased, IDN host as punycode,
 * trailing root dot dropped, default port dropped, fragment and empty query dropped, percent-escapes
 * of unreserved characters decoded, the rest upper-cased (RFC 3986 §6.2.2), a stray "%" encoded as
 * %25. No scheme means http.
 */
export function normalizeUrl(value: string): NormalizeResult {
  const candidate = withScheme(value);
  if (!candidate.ok) return candidate;
  let url: URL;
  try {
    url = new URL(candidate.value);
  } catch {
    return rejected('URL_INVALID', `${quote(value)} is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return rejected('URL_SCHEME_NOT_ALLOWED', `only http and https URLs are accepted, got ${quote(url.protocol)}`);
  }
  if (url.username !== '' || url.password !== '') {
    // Credentials in a shared indicator would leak them to every partner.
    return rejected('URL_CREDENTIALS_NOT_ALLOWED', 'URLs with a user name or password are not accepted; remove "user:password@"');
  }
  const host = normalizeHost(url.hostname);
  if (!host.ok) return host;
  url.hostname = host.value;
  url.hash = '';
  url.pathname = normalizePercentEscapes(url.pathname);
  url.search = normalizePercentEscapes(url.search);
  if (url.href.length > MAX_URL_LENGTH) {
    return rejected('URL_TOO_LONG', `URL is ${url.href.length} characters long once encoded; the limit is ${MAX_URL_LENGTH}`);
  }
  return normalized(url.href);
}

/** Prefix "http://" when the value has no scheme; refuse every scheme but http and https early. */
function withScheme(value: string): NormalizeResult {
  if (value.startsWith('//')) return normalized(`http:${value}`);
  const match = SCHEME.exec(value);
  if (!match || PORT_AFTER_HOST.test(match[2])) return normalized(`http://${value}`);
  const scheme = match[1].toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') {
    return rejected('URL_SCHEME_NOT_ALLOWED', `only http and https URLs are accepted, got ${quote(`${scheme}:`)}`);
  }
  return normalized(value);
}

/** IP literals are kept as WHATWG serializes them; names must be valid domains (see normalizeDomain). */
function normalizeHost(hostname: string): NormalizeResult {
  if (hostname.startsWith('[') || IPV4_HOST.test(hostname)) return normalized(hostname);
  const domain = normalizeDomain(hostname);
  if (!domain.ok) return rejected('URL_HOST_INVALID', `host of the URL: ${domain.message}`);
  return domain;
}

/**
 * Decode %XX of unreserved characters, upper-case the hex of every other escape, and encode a
 * stray "%" as %25 — otherwise "%7%41" would decode to "%7A", a new escape, and a second pass
 * would change the value again.
 */
function normalizePercentEscapes(part: string): string {
  return part.replace(PERCENT, (_escape, hex: string | undefined) => {
    if (hex === undefined) return '%25';
    const ch = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
  });
}
