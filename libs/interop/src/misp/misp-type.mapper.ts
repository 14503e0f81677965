import type { CryptoChain, IndicatorType } from '@palermo/indicators';

/** The Palermo value(s) one MISP attribute stands for, before validation. */
export interface Candidate {
  type: IndicatorType;
  value: string;
  platform?: string;
  chain?: CryptoChain;
  component?: 'domain' | 'ip';
}

/** Either the candidates of an attribute or why it has none. */
export type TypeMapping = { ok: true; candidates: Candidate[] } | { ok: false; code: string; reason: string };

const one = (type: IndicatorType, extra: Omit<Candidate, 'type' | 'value'> = {}) => (value: string): TypeMapping => ({
  ok: true,
  candidates: [{ type, value, ...extra }],
});

/** MISP attribute types Palermo maps, by type (see libs/interop/README.md for the table). */
const BY_TYPE: Record<string, (value: string) => TypeMapping> = {
  'phone-number': one('phone'),
  'whois-registrant-phone': one('phone'),
  email: one('email'),
  'email-src': one('email'),
  'email-dst': one('email'),
  'email-reply-to': one('email'),
  'whois-registrant-email': one('email'),
  'dns-soa-email': one('email'),
  url: one('url'),
  uri: absoluteUri,
  domain: one('domain'),
  hostname: one('domain'),
  'onion-address': one('domain'),
  'hostname|port': (value) => one('domain')(beforeLastPipe(value)),
  'ip-src': one('ip'),
  'ip-dst': one('ip'),
  'ip-src|port': (value) => one('ip')(beforeLastPipe(value)),
  'ip-dst|port': (value) => one('ip')(beforeLastPipe(value)),
  'domain|ip': splitDomainIp,
  btc: one('crypto-wallet', { chain: 'btc' }),
  iban: one('iban'),
  sha256: one('file-sha256'),
  'filename|sha256': (value) => one('file-sha256')(afterLastPipe(value)),
  'github-username': one('username', { platform: 'github' }),
  'twitter-id': one('username', { platform: 'twitter' }),
  'jabber-id': one('username', { platform: 'xmpp' }),
};

// Types with a near Palermo equivalent that would be wrong to map; each says why.
const REFUSED: Record<string, string> = {
  link: 'a MISP "link" is a reference to external material (supposed harmless), not an indicator; "url" is mapped',
  text: 'free text is context, not an indicator (Palermo keywords must be published as such)',
  comment: 'a comment is context, not an indicator',
  other: 'an "other" attribute has no defined meaning to map',
  xmr: 'Monero is not a chain Palermo carries (btc, eth, trx, ltc)',
  dash: 'Dash is not a chain Palermo carries (btc, eth, trx, ltc)',
  'bank-account-nr': 'a national account number is not an IBAN; Palermo carries IBANs only',
  'cc-number': 'card numbers are not a Palermo indicator type',
  md5: 'Palermo carries file hashes as SHA-256 only',
  sha1: 'Palermo carries file hashes as SHA-256 only',
  'filename|md5': 'Palermo carries file hashes as SHA-256 only',
  'filename|sha1': 'Palermo carries file hashes as SHA-256 only',
};

/**
 * Maps one MISP attribute type + value to Palermo candidates (not yet validated). Targeting data
 * (target-user, target-email, …) describes victims and targets, never indicators.
 */
export function mapAttributeType(type: string, category: string, value: string): TypeMapping {
  if (category === 'Targeting data' || type.startsWith('target-')) {
    return { ok: false, code: 'MISP_TARGET_DATA', reason: 'targeting data describes a victim or target, not an indicator' };
  }
  const mapper = Object.hasOwn(BY_TYPE, type) ? BY_TYPE[type] : undefined;
  if (mapper) return mapper(value);
  const refused = Object.hasOwn(REFUSED, type) ? REFUSED[type] : undefined;
  return {
    ok: false,
    code: 'MISP_TYPE_UNSUPPORTED',
    reason: refused ?? `MISP type ${JSON.stringify(type.slice(0, 60))} has no Palermo indicator type`,
  };
}

// A MISP "uri" is usually a path ("/gate.php"); only one with a scheme names a whole URL.
function absoluteUri(value: string): TypeMapping {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim())) return one('url')(value);
  return { ok: false, code: 'MISP_URI_RELATIVE', reason: 'a uri without scheme and host is a path, not a URL Palermo can match' };
}

function splitDomainIp(value: string): TypeMapping {
  const at = value.lastIndexOf('|');
  if (at <= 0 || at === value.length - 1) {
    return { ok: false, code: 'MISP_COMPOSITE_MALFORMED', reason: 'a domain|ip value must be "<domain>|<ip>"' };
  }
  return {
    ok: true,
    candidates: [
      { type: 'domain', value: value.slice(0, at), component: 'domain' },
      { type: 'ip', value: value.slice(at + 1), component: 'ip' },
    ],
  };
}

// MISP composite values use "|" (never part of an IPv6 address, a host name or a hash).
function beforeLastPipe(value: string): string {
  const at = value.lastIndexOf('|');
  return at < 0 ? value : value.slice(0, at);
}

function afterLastPipe(value: string): string {
  const at = value.lastIndexOf('|');
  return at < 0 ? value : value.slice(at + 1);
}
