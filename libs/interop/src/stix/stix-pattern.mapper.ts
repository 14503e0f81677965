import { CRYPTO_CHAINS, normalizeValue, type IndicatorType } from '@palermo/indicators';
import { stixStringLiteral, type StixComparison } from './stix-pattern.parser';

/** The observable fields of an indicator that a pattern names. */
export interface PatternSubject {
  type: IndicatorType;
  value: string;
  platform?: string;
}

/** Custom object type for SimHash text fingerprints: STIX and OpenCTI have no observable for them. */
export const TEXT_FINGERPRINT_OBJECT_TYPE = 'x-palermo-text-fingerprint';
/** Custom `file:hashes` keys for perceptual image hashes (the hash vocabulary is open; SHA-256 is standard). */
export const IMAGE_HASH_KEYS = { pdq: 'PDQ', phash: 'PHASH' } as const;

const cmp = (objectType: string, path: string[], value: string) =>
  `${objectType}:${path.map((part) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(part) ? part : stixStringLiteral(part))).join('.')} = ${stixStringLiteral(value)}`;

/**
 * The STIX pattern of an indicator. Standard observables where STIX has one (email-addr, url,
 * domain-name, ipv4-addr/ipv6-addr, user-account, file:hashes.'SHA-256'); OpenCTI's custom observables
 * for phone-number, cryptocurrency-wallet, bank-account:iban and text (keywords); file:hashes.PDQ /
 * PHASH for image hashes; x-palermo-text-fingerprint:value for SimHash fingerprints.
 */
export function patternFor(subject: PatternSubject): string {
  const { type, value } = subject;
  switch (type) {
    case 'phone':
      return `[${cmp('phone-number', ['value'], value)}]`;
    case 'email':
      return `[${cmp('email-addr', ['value'], value)}]`;
    case 'username':
      // No platform, no account_type: an empty one means nothing in the open vocabulary.
      return subject.platform
        ? `[${cmp('user-account', ['account_login'], value)} AND ${cmp('user-account', ['account_type'], subject.platform)}]`
        : `[${cmp('user-account', ['account_login'], value)}]`;
    case 'url':
      return `[${cmp('url', ['value'], value)}]`;
    case 'domain':
      return `[${cmp('domain-name', ['value'], value)}]`;
    case 'ip':
      return `[${cmp(value.includes(':') ? 'ipv6-addr' : 'ipv4-addr', ['value'], value)}]`;
    case 'crypto-wallet':
      return `[${cmp('cryptocurrency-wallet', ['value'], value)}]`;
    case 'iban':
      return `[${cmp('bank-account', ['iban'], value)}]`;
    case 'keyword':
      return `[${cmp('text', ['value'], value)}]`;
    case 'text-fingerprint':
      return `[${cmp(TEXT_FINGERPRINT_OBJECT_TYPE, ['value'], value)}]`;
    case 'image-hash': {
      const [algorithm, hex] = value.split(':') as [keyof typeof IMAGE_HASH_KEYS, string];
      return `[${cmp('file', ['hashes', IMAGE_HASH_KEYS[algorithm] ?? algorithm.toUpperCase()], hex)}]`;
    }
    case 'file-sha256':
      return `[${cmp('file', ['hashes', 'SHA-256'], value)}]`;
  }
}

/** Outcome of subjectFromComparisons. */
export type SubjectResult = { ok: true; subject: PatternSubject } | { ok: false; code: string; reason: string };

// object type → (single property → Palermo type) for the one-comparison patterns.
const SINGLE: Record<string, { property: string; type: IndicatorType }> = {
  'phone-number': { property: 'value', type: 'phone' },
  'email-addr': { property: 'value', type: 'email' },
  url: { property: 'value', type: 'url' },
  'domain-name': { property: 'value', type: 'domain' },
  'ipv4-addr': { property: 'value', type: 'ip' },
  'ipv6-addr': { property: 'value', type: 'ip' },
  'cryptocurrency-wallet': { property: 'value', type: 'crypto-wallet' },
  'bank-account': { property: 'iban', type: 'iban' },
  text: { property: 'value', type: 'keyword' },
  [TEXT_FINGERPRINT_OBJECT_TYPE]: { property: 'value', type: 'text-fingerprint' },
};

const unmapped = (reason: string): SubjectResult => ({ ok: false, code: 'STIX_PATTERN_UNMAPPED', reason });

/**
 * The Palermo type and raw value a parsed pattern names, or STIX_PATTERN_UNMAPPED. Every comparison
 * must be understood: a pattern that says more (a user_id, a second hash) is not narrowed silently.
 */
export function subjectFromComparisons(comparisons: StixComparison[]): SubjectResult {
  const objectTypes = [...new Set(comparisons.map((c) => c.objectType))];
  if (objectTypes.length !== 1) return unmapped(`the comparisons name ${objectTypes.length} object types (${objectTypes.join(', ')}); one is mapped`);
  const [objectType] = objectTypes;
  const paths = comparisons.map((c) => c.path.join('.'));
  if (new Set(paths).size !== paths.length) return unmapped(`a property is compared twice in ${objectType}`);
  if (objectType === 'user-account') return userAccount(comparisons);
  if (objectType === 'file') return fileHash(comparisons);
  const single = SINGLE[objectType];
  if (!single) return unmapped(`object type "${objectType.slice(0, 64)}" is not mapped to a Palermo indicator type`);
  const [only] = comparisons;
  if (comparisons.length !== 1 || only.path.length !== 1 || only.path[0] !== single.property) {
    return unmapped(`${objectType} is mapped only as [${objectType}:${single.property} = '…']; found ${paths.map((p) => `${objectType}:${p}`).join(' AND ').slice(0, 200)}`);
  }
  if (objectType === 'ipv4-addr' && only.value.includes(':')) return unmapped('an ipv4-addr value holds an IPv6 address');
  if (objectType === 'ipv6-addr' && !only.value.includes(':')) return unmapped('an ipv6-addr value is not an IPv6 address');
  return { ok: true, subject: { type: single.type, value: only.value } };
}

function userAccount(comparisons: StixComparison[]): SubjectResult {
  const login = comparisons.find((c) => c.path.join('.') === 'account_login');
  const platform = comparisons.find((c) => c.path.join('.') === 'account_type');
  const other = comparisons.find((c) => c !== login && c !== platform);
  if (other) return unmapped(`user-account:${other.path.join('.').slice(0, 64)} is not mapped (only account_login and account_type are)`);
  if (!login) return unmapped('a user-account pattern needs user-account:account_login');
  // A login alone is a username on no named platform (Palermo's own export writes it so).
  if (!platform || platform.value === '') return { ok: true, subject: { type: 'username', value: login.value } };
  return { ok: true, subject: { type: 'username', value: login.value, platform: platform.value } };
}

function fileHash(comparisons: StixComparison[]): SubjectResult {
  const [only] = comparisons;
  if (comparisons.length !== 1 || only.path.length !== 2 || only.path[0] !== 'hashes') {
    return unmapped('a file pattern is mapped only as one hash: file:hashes.\'SHA-256\', file:hashes.PDQ or file:hashes.PHASH');
  }
  const key = only.path[1].toUpperCase();
  if (key === 'SHA-256' || key === 'SHA256') return { ok: true, subject: { type: 'file-sha256', value: only.value } };
  const algorithm = (Object.keys(IMAGE_HASH_KEYS) as (keyof typeof IMAGE_HASH_KEYS)[]).find((a) => IMAGE_HASH_KEYS[a] === key);
  if (algorithm) return { ok: true, subject: { type: 'image-hash', value: `${algorithm}:${only.value}` } };
  return unmapped(`file hash "${only.path[1].slice(0, 64)}" is not mapped (SHA-256, PDQ and PHASH are)`);
}

/** Chains whose address rules accept `address`: the chain of a wallet that did not say. */
export function chainsAccepting(address: string): string[] {
  return CRYPTO_CHAINS.filter((chain) => normalizeValue('crypto-wallet', address, { chain }).ok);
}
