import { errorMessage } from './domain-error';
import { INDICATOR_TYPES, type IndicatorType } from './indicator.types';
import { quote, rejected, type NormalizeContext, type NormalizeResult, type Normalizer } from './normalize.types';
import { normalizeCryptoWallet } from './normalizers/crypto-wallet.normalizer';
import { normalizeDomain } from './normalizers/domain.normalizer';
import { normalizeEmail } from './normalizers/email.normalizer';
import { normalizeFileSha256 } from './normalizers/file-sha256.normalizer';
import { normalizeImageHash } from './normalizers/image-hash.normalizer';
import { normalizeIban } from './normalizers/iban.normalizer';
import { normalizeIp } from './normalizers/ip.normalizer';
import { normalizeKeyword } from './normalizers/keyword.normalizer';
import { normalizePhone } from './normalizers/phone.normalizer';
import { normalizeTextFingerprint } from './normalizers/text-fingerprint.normalizer';
import { normalizeUrl } from './normalizers/url.normalizer';
import { normalizeUsername } from './normalizers/username.normalizer';
import { findTextProblem, MAX_RAW_VALUE_LENGTH } from './text.guard';

const NORMALIZERS: Record<IndicatorType, Normalizer> = {
  phone: normalizePhone,
  email: normalizeEmail,
  username: normalizeUsername,
  url: normalizeUrl,
  domain: normalizeDomain,
  ip: normalizeIp,
  'crypto-wallet': normalizeCryptoWallet,
  iban: normalizeIban,
  keyword: normalizeKeyword,
  'text-fingerprint': normalizeTextFingerprint,
  'image-hash': normalizeImageHash,
  'file-sha256': normalizeFileSha256,
};

// Keywords are free text: a tab or line break inside one is whitespace, not an attack.
const LINE_BREAKS_ALLOWED: ReadonlySet<IndicatorType> = new Set(['keyword']);

/** True when `type` is one of INDICATOR_TYPES. */
export function isIndicatorType(type: unknown): type is IndicatorType {
  return typeof type === 'string' && (INDICATOR_TYPES as readonly string[]).includes(type);
}

/**
 * Canonical form of `raw` as an indicator of `type`, or a stable error code with a message.
 * Deterministic and idempotent (normalizing a normalized value returns it unchanged); never throws,
 * whatever `raw` holds (control characters, bidi overrides, lone surrogates, 100 KB strings).
 */
export function normalizeValue(type: IndicatorType, raw: string, ctx: NormalizeContext = {}): NormalizeResult {
  if (!isIndicatorType(type)) {
    return rejected('UNKNOWN_TYPE', `${quote(String(type))} is not an indicator type; use one of ${INDICATOR_TYPES.join(', ')}`);
  }
  if (typeof raw !== 'string') return rejected('VALUE_NOT_A_STRING', `value must be a string, got ${typeof raw}`);
  if (raw.length > MAX_RAW_VALUE_LENGTH) {
    return rejected('VALUE_TOO_LONG', `value is ${raw.length} characters long; the limit is ${MAX_RAW_VALUE_LENGTH}`);
  }
  const text = raw.trim();
  if (text === '') return rejected('VALUE_EMPTY', 'value is empty');
  const guard = { allowLineBreaks: LINE_BREAKS_ALLOWED.has(type) };
  const problem = findTextProblem(text, guard);
  if (problem) return rejected(`VALUE_${problem.kind}`, `value ${problem.message}`);
  let result: NormalizeResult;
  try {
    result = NORMALIZERS[type](text, ctx);
  } catch (error) {
    // Every normalizer returns its failures; this net keeps a library surprise from becoming a 500.
    return rejected('VALUE_UNPARSEABLE', `${type} value could not be read: ${errorMessage(error)}`);
  }
  // NFKC or IDNA could in theory map something into a hostile character; the output must be clean too.
  // An unchanged value (every wire value, one per imported indicator) was checked just above.
  const outputProblem = result.ok && result.value !== text ? findTextProblem(result.value, guard) : undefined;
  if (outputProblem) return rejected(`VALUE_${outputProblem.kind}`, `normalized value ${outputProblem.message}`);
  return result;
}
