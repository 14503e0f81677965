import { describe, expect, it } from 'vitest';
import { normalizeValue } from './value.normalizer';

describe('ip normalization', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    [' 10.0.0.255 ', '10.0.0.255'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['１９２．０．２．１', '192.0.2.1'], // full-width digits and dots
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'], // RFC 5952: lower-case, longest zero run compressed
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'], // first of two equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
    ['2001:db8::0:1', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'], // brackets as in URLs
    ['::', '::'],
    ['::1', '::1'],
    ['::ffff:192.0.2.1', '192.0.2.1'], // IPv4-mapped → IPv4
    ['::FFFF:c000:0201', '192.0.2.1'],
    ['0:0:0:0:0:ffff:7f00:1', '127.0.0.1'],
    ['64:ff9b::192.0.2.1', '64:ff9b::c000:201'], // NAT64: embedded IPv4 written in hex
    ['::192.0.2.1', '::c000:201'], // deprecated IPv4-compatible form is NOT IPv4-mapped
  ])('%j → %j', (raw, expected) => {
    expect(normalizeValue('ip', raw, {})).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['010.0.0.1', 'IP_V4_LEADING_ZEROS'], // octal in some libc parsers: refuse, don't guess
    ['192.168.001.1', 'IP_V4_LEADING_ZEROS'],
    ['::ffff:01.2.3.4', 'IP_V4_LEADING_ZEROS'],
    ['256.1.1.1', 'IP_INVALID'],
    ['1.2.3', 'IP_INVALID'],
    ['1.2.3.4.5', 'IP_INVALID'],
    ['0x7f.0.0.1', 'IP_INVALID'],
    ['2130706433', 'IP_INVALID'], // 127.0.0.1 as an integer
    ['1::2::3', 'IP_INVALID'],
    [':::', 'IP_INVALID'],
    ['2001:db8::g', 'IP_INVALID'],
    ['1:2:3:4:5:6:7:8:9', 'IP_INVALID'],
    ['fe80::1%eth0', 'IP_ZONE_NOT_ALLOWED'],
    ['192.0.2.0/24', 'IP_CIDR_NOT_ALLOWED'],
    ['2001:db8::/32', 'IP_CIDR_NOT_ALLOWED'],
    ['1.2.3.4\u0000', 'VALUE_CONTROL_CHARACTER'],
    ['example.com', 'IP_INVALID'],
  ])('%j → %s', (raw, code) => {
    expect(normalizeValue('ip', raw, {})).toMatchObject({ ok: false, code });
  });
});
