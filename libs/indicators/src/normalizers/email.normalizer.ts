import { normalized, quote, rejected, type NormalizeResult } from '../normalize.types';
import { foldText, utf8Length } from '../text.fold';
import { normalizeDomain } from './domain.normalizer';

const MAX_LOCAL_PART_OCTETS = 64;
const MAX_ADDRESS_LENGTH = 254;
// RFC 5322 dot-atom text, plus any letter, mark or digit for internationalized local parts (RFC 6531).
const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~\p{L}\p{M}\p{N}-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~\p{L}\p{M}\p{N}-]+)*$/u;

/**
 * email → "local@domain": NFKC, lower-cased; the domain goes through the domain normalizer (IDN →
 * punycode, trailing dot dropped). Provider tricks ("+tag", Gmail dots) are NOT undone: they are
 * provider-specific and would merge addresses that differ elsewhere.
 */
export function normalizeEmail(value: string): NormalizeResult {
  const text = value.normalize('NFKC'); // full-width "＠" and "．" become "@" and "."
  const at = text.indexOf('@');
  if (at < 0 || at !== text.lastIndexOf('@')) {
    return rejected('EMAIL_INVALID', `${quote(text)} must contain exactly one "@" (quoted local parts are not supported)`);
  }
  const local = foldText(text.slice(0, at));
  if (local === undefined || !LOCAL_PART.test(local)) {
    return rejected(
      'EMAIL_INVALID',
      `local part of ${quote(text)} must be dot-separated letters, digits or !#$%&'*+/=?^_\`{|}~- (no spaces, no leading, trailing or double dots)`,
    );
  }
  if (utf8Length(local) > MAX_LOCAL_PART_OCTETS) {
    return rejected('EMAIL_INVALID', `local part of ${quote(text)} is longer than ${MAX_LOCAL_PART_OCTETS} bytes`);
  }
  const domainPart = text.slice(at + 1);
  if (domainPart.startsWith('[')) {
    return rejected('EMAIL_INVALID', `${quote(text)} uses an address literal; only domain names are supported`);
  }
  const domain = normalizeDomain(domainPart);
  if (!domain.ok) {
    return rejected('EMAIL_DOMAIN_INVALID', `domain of ${quote(text)}: ${domain.message}`);
  }
  const address = `${local}@${domain.value}`;
  if (address.length > MAX_ADDRESS_LENGTH) {
    return rejected('EMAIL_TOO_LONG', `address is ${address.length} characters long; the limit is ${MAX_ADDRESS_LENGTH}`);
  }
  return normalized(address);
}
