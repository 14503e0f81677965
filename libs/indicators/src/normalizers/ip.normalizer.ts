import ipaddr from 'ipaddr.js';
import { normalized, quote, rejected, type NormalizeResult } from '../normalize.types';

const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const STRICT_IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
const LOOSE_IPV4 = /^[0-9]{1,3}(?:\.[0-9]{1,3}){3}$/;
const EMBEDDED_IPV4 = /^(.*:)([0-9]*\.[0-9.]*)$/;
const IPV6_CHARS = /^[0-9a-f:]+$/i;

/**
 * ip → IPv4 as a strict dotted quad ("192.0.2.1"); IPv6 in RFC 5952 form ("2001:db8::1");
 * IPv4-mapped IPv6 ("::ffff:192.0.2.1") becomes the IPv4 address. Leading zeros are refused
 * (is "010" ten or octal eight?), so are zone ids and CIDR ranges. "[v6]" brackets are accepted.
 */
export function normalizeIp(value: string): NormalizeResult {
  const text = value.normalize('NFKC');
  if (text.includes('/')) {
    return rejected('IP_CIDR_NOT_ALLOWED', `${quote(text)} is a range; an ip indicator is a single address`);
  }
  return text.includes(':') ? normalizeIpv6(text) : normalizeIpv4(text);
}

function normalizeIpv4(text: string): NormalizeResult {
  if (STRICT_IPV4.test(text)) return normalized(text);
  if (LOOSE_IPV4.test(text) && text.split('.').every((octet) => Number(octet) <= 255)) {
    return rejected('IP_V4_LEADING_ZEROS', `${quote(text)} has an octet with a leading zero, which some software reads as octal`);
  }
  return rejected('IP_INVALID', `${quote(text)} is not an IPv4 address (four decimal octets 0–255) nor an IPv6 address`);
}

function normalizeIpv6(input: string): NormalizeResult {
  const text = input.startsWith('[') && input.endsWith(']') ? input.slice(1, -1) : input;
  if (text.includes('%')) {
    return rejected('IP_ZONE_NOT_ALLOWED', `${quote(text)} has a zone id ("%…"), which only means something on one machine`);
  }
  const hex = embeddedIpv4AsHex(text);
  if (!hex.ok) return hex;
  if (!IPV6_CHARS.test(hex.value) || !ipaddr.IPv6.isValid(hex.value)) {
    return rejected('IP_INVALID', `${quote(text)} is not a valid IPv6 address`);
  }
  const address = ipaddr.IPv6.parse(hex.value);
  if (address.isIPv4MappedAddress()) return normalized(address.toIPv4Address().toString());
  return normalized(address.toRFC5952String());
}

/**
 * "64:ff9b::192.0.2.1" → "64:ff9b::c000:201". Done here rather than by ipaddr.js, which reads
 * the deprecated IPv4-compatible form "::192.0.2.1" as IPv4-mapped (a different address).
 */
function embeddedIpv4AsHex(text: string): NormalizeResult {
  const match = EMBEDDED_IPV4.exec(text);
  if (!match) return normalized(text);
  const v4 = normalizeIpv4(match[2]);
  if (!v4.ok) return rejected(v4.code, `embedded IPv4 part of ${quote(text)}: ${v4.message}`);
  const [a, b, c, d] = v4.value.split('.').map(Number);
  return normalized(`${match[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`);
}
