import { describe, expect, it } from 'vitest';
import { MAX_PATTERN_LENGTH, parseStixPattern, stixStringLiteral } from './stix-pattern.parser';
import { subjectFromComparisons } from './stix-pattern.mapper';

describe('parseStixPattern', () => {
  it.each([
    ["[ipv4-addr:value = '192.0.2.1']", [{ objectType: 'ipv4-addr', path: ['value'], value: '192.0.2.1' }]],
    ["  [ ipv4-addr : value='192.0.2.1' ]\n", [{ objectType: 'ipv4-addr', path: ['value'], value: '192.0.2.1' }]],
    ["[file:hashes.'SHA-256' = 'ab']", [{ objectType: 'file', path: ['hashes', 'SHA-256'], value: 'ab' }]],
    ['[file:hashes.SHA256 = \'ab\']', [{ objectType: 'file', path: ['hashes', 'SHA256'], value: 'ab' }]],
    ["[text:value = 'it\\'s a \\\\ test']", [{ objectType: 'text', path: ['value'], value: "it's a \\ test" }]],
    ["[text:value = '']", [{ objectType: 'text', path: ['value'], value: '' }]],
    ["[text:value = 'AND OR ] [ = \"']", [{ objectType: 'text', path: ['value'], value: 'AND OR ] [ = "' }]],
    ["[text:value = 'line\nbreak 🌹']", [{ objectType: 'text', path: ['value'], value: 'line\nbreak 🌹' }]],
    [
      "[user-account:account_login = 'anna' AND user-account:account_type = 'telegram']",
      [
        { objectType: 'user-account', path: ['account_login'], value: 'anna' },
        { objectType: 'user-account', path: ['account_type'], value: 'telegram' },
      ],
    ],
  ])('%s', (pattern, comparisons) => {
    expect(parseStixPattern(pattern)).toEqual({ ok: true, comparisons });
  });

  it.each([
    ["[ipv4-addr:value = '1.2.3.4' OR ipv4-addr:value = '1.2.3.5']", 'OR'],
    ["[ipv4-addr:value = '1.2.3.4'] AND [domain-name:value = 'a.example']", 'one observation'],
    ["[ipv4-addr:value = '1.2.3.4'] OR [domain-name:value = 'a.example']", 'one observation'],
    ["[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [domain-name:value = 'a.example']", 'one observation'],
    ["[ipv4-addr:value = '1.2.3.4'] WITHIN 300 SECONDS", 'one observation'],
    ["[ipv4-addr:value = '1.2.3.4'] REPEATS 5 TIMES", 'one observation'],
    ["[ipv4-addr:value = '1.2.3.4'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'", 'one observation'],
    ["[ipv4-addr:value != '1.2.3.4']", '"!="'],
    ["[domain-name:value LIKE '%.example']", 'LIKE'],
    ["[domain-name:value MATCHES '^a']", 'MATCHES'],
    ["[ipv4-addr:value IN ('1.2.3.4', '1.2.3.5')]", 'IN'],
    ["[ipv4-addr:value ISSUBSET '10.0.0.0/8']", 'ISSUBSET'],
    ["[NOT ipv4-addr:value = '1.2.3.4']", 'NOT'],
    ["[(ipv4-addr:value = '1.2.3.4')]", 'parenthesized'],
    ['[network-traffic:dst_port = 443]', 'number'],
    ['[x:flag = true]', 'true'],
    ["[file:created = t'2016-06-01T00:00:00Z']", "t'…'"],
    ["[artifact:payload_bin = b'AAAA']", "b'…'"],
    ["[email-message:to_refs[*].value = 'a@b.example']", 'list indexes'],
  ])('%s is unsupported (%s), never guessed', (pattern, why) => {
    const result = parseStixPattern(pattern);
    expect(result).toMatchObject({ ok: false, code: 'STIX_PATTERN_UNSUPPORTED' });
    expect((result as { reason: string }).reason).toContain(why);
  });

  it.each([
    ['', 'empty'],
    ["ipv4-addr:value = '1.2.3.4'", 'no brackets'],
    ["[ipv4-addr:value = '1.2.3.4'", 'unclosed'],
    ["[ipv4-addr:value = '1.2.3.4]", 'unterminated literal'],
    ["[ipv4-addr:value = \"1.2.3.4\"]", 'double quotes'],
    ["[ipv4-addr:value = '1.2.3.4\\n']", 'bad escape'],
    ["[ipv4-addr value = '1.2.3.4']", 'no colon'],
    ["[ipv4-addr:value = '1.2.3.4' AND]", 'dangling AND'],
    ["[ipv4-addr:value = '1.2.3.4'] garbage", 'trailing words'],
    ["[:value = '1.2.3.4']", 'no object type'],
    ["[ipv4-addr:va-lue = '1.2.3.4']", 'hyphen in an unquoted property'],
    ["[ipv4-addr:value = '1.2.3.4'] ;DROP TABLE", 'trailing junk'],
    ['[\u0000]', 'NUL'],
  ])('%j is a syntax error (%s)', (pattern) => {
    expect(parseStixPattern(pattern)).toMatchObject({ ok: false, code: 'STIX_PATTERN_SYNTAX' });
  });

  it('refuses non-strings and oversize patterns without reading them', () => {
    expect(parseStixPattern(42)).toMatchObject({ ok: false, code: 'STIX_PATTERN_SYNTAX' });
    expect(parseStixPattern({ toString: () => "[text:value = 'x']" })).toMatchObject({ ok: false, code: 'STIX_PATTERN_SYNTAX' });
    expect(parseStixPattern(`[text:value = '${'a'.repeat(MAX_PATTERN_LENGTH)}']`)).toMatchObject({ ok: false, code: 'STIX_PATTERN_TOO_LONG' });
  });

  it('reads a long but legal pattern fast (no backtracking blow-up)', () => {
    const started = Date.now();
    parseStixPattern(`[text:value = '${"\\'".repeat(4000)}']`);
    parseStixPattern(`[${'a:b = \'c\' AND '.repeat(1000)}a:b = 'c']`);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('stixStringLiteral round-trips through the parser', () => {
    for (const value of ["it's", 'back\\slash', "\\'", '', '🌹\n\t"']) {
      expect(parseStixPattern(`[text:value = ${stixStringLiteral(value)}]`)).toEqual({ ok: true, comparisons: [{ objectType: 'text', path: ['value'], value }] });
    }
  });
});

describe('subjectFromComparisons', () => {
  const subject = (pattern: string) => {
    const parsed = parseStixPattern(pattern);
    if (!parsed.ok) throw new Error(parsed.reason);
    return subjectFromComparisons(parsed.comparisons);
  };

  it.each([
    ["[phone-number:value = '+31612345678']", { type: 'phone', value: '+31612345678' }],
    ["[email-addr:value = 'a@b.example']", { type: 'email', value: 'a@b.example' }],
    ["[user-account:account_type = 'telegram' AND user-account:account_login = 'anna']", { type: 'username', value: 'anna', platform: 'telegram' }],
    ["[user-account:account_login = 'anna']", { type: 'username', value: 'anna' }],
    ["[user-account:account_login = 'anna' AND user-account:account_type = '']", { type: 'username', value: 'anna' }],
    ["[url:value = 'http://a.example/']", { type: 'url', value: 'http://a.example/' }],
    ["[domain-name:value = 'a.example']", { type: 'domain', value: 'a.example' }],
    ["[ipv4-addr:value = '192.0.2.1']", { type: 'ip', value: '192.0.2.1' }],
    ["[ipv6-addr:value = '2001:db8::1']", { type: 'ip', value: '2001:db8::1' }],
    ["[cryptocurrency-wallet:value = 'x']", { type: 'crypto-wallet', value: 'x' }],
    ["[bank-account:iban = 'NL91ABNA0417164300']", { type: 'iban', value: 'NL91ABNA0417164300' }],
    ["[text:value = 'new in town']", { type: 'keyword', value: 'new in town' }],
    ["[x-palermo-text-fingerprint:value = 'simhash64:0123456789abcdef']", { type: 'text-fingerprint', value: 'simhash64:0123456789abcdef' }],
    ["[file:hashes.PDQ = 'ab']", { type: 'image-hash', value: 'pdq:ab' }],
    ["[file:hashes.pHash = 'ab']", { type: 'image-hash', value: 'phash:ab' }],
    ["[file:hashes.'SHA-256' = 'ab']", { type: 'file-sha256', value: 'ab' }],
    ["[file:hashes.SHA256 = 'ab']", { type: 'file-sha256', value: 'ab' }],
  ])('%s', (pattern, expected) => {
    expect(subject(pattern)).toEqual({ ok: true, subject: expected });
  });

  it.each([
    "[ipv4-addr:value = '1.2.3.4' AND domain-name:value = 'a.example']", // two objects
    "[user-account:account_type = 'telegram' AND user-account:account_login = 'anna' AND user-account:user_id = '1']", // says more
    "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
    "[file:hashes.'SHA-256' = 'ab' AND file:hashes.MD5 = 'cd']",
    "[file:name = 'evil.exe']",
    "[process:pid = '4']",
    "[email-addr:display_name = 'Anna']",
    "[ipv4-addr:value = '2001:db8::1']",
    "[ipv6-addr:value = '192.0.2.1']",
    "[domain-name:value = 'a.example' AND domain-name:value = 'b.example']",
    "[hostname:value = 'a.example']",
  ])('%s is not mapped', (pattern) => {
    expect(subject(pattern)).toMatchObject({ ok: false, code: 'STIX_PATTERN_UNMAPPED' });
  });
});
