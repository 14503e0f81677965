import { domainToASCII } from 'node:url';
import { normalized, quote, rejected, type NormalizeResult } from '../normalize.types';

const MAX_DOMAIN_LENGTH = 253;
const NOT_IN_A_DOMAIN = /[%/\\:@?#\s]/u;
const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * domain → lower-case ASCII (IDN labels as punycode "xn--…"), without the trailing root dot.
 * UTS #46 mapping (node:url domainToASCII) also folds full-width letters and the ideographic full
 * stop, and drops soft hyphens/zero-width joiners. Confusables are NOT folded: "pаypal.com" with a
 * Cyrillic "а" stays a different domain (xn--pypal-4ve.com), deterministically.
 */
export function normalizeDomain(value: string): NormalizeResult {
  if (value.includes('://')) {
    return rejected('DOMAIN_INVALID', `${quote(value)} looks like a URL: use type "url", or give only the host name`);
  }
  // node:url would percent-decode ("ex%41mple.com" → "example.com") or cut at "/", so these never reach it.
  const forbidden = NOT_IN_A_DOMAIN.exec(value);
  if (forbidden) {
    return rejected('DOMAIN_INVALID', `${quote(value)} contains ${quote(forbidden[0])}, which is not allowed in a domain name`);
  }
  let ascii = domainToASCII(value);
  if (ascii === '') {
    return rejected('DOMAIN_INVALID', `${quote(value)} is not a valid (internationalized) domain name`);
  }
  if (ascii.endsWith('.')) ascii = ascii.slice(0, -1);
  if (ascii.length > MAX_DOMAIN_LENGTH) {
    return rejected('DOMAIN_TOO_LONG', `domain is ${ascii.length} characters long in ASCII form; the limit is ${MAX_DOMAIN_LENGTH}`);
  }
  const labels = ascii.split('.');
  if (labels.length < 2) {
    return rejected('DOMAIN_SINGLE_LABEL', `${quote(ascii)} has a single label; a domain needs at least two (e.g. example.org)`);
  }
  const bad = labels.find((label) => !LDH_LABEL.test(label));
  if (bad !== undefined) {
    return rejected(
      'DOMAIN_LABEL_INVALID',
      `label ${quote(bad)} of ${quote(ascii)} must be 1–63 letters, digits or hyphens, not starting or ending with a hyphen`,
    );
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1])) {
    return rejected('DOMAIN_IS_IP_ADDRESS', `${quote(value)} is an IP address, not a domain: use type "ip"`);
  }
  return normalized(ascii);
}
