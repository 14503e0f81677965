import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { normalized, quote, rejected, type NormalizeContext, type NormalizeResult } from '../normalize.types';

// Digits and the usual separators: a number that only lacks its country.
const NATIONAL_FORMAT = /^[0-9\s().\/-]+$/;

/**
 * phone → E.164 ("+31612345678"). Full metadata (`/max`) so that isValid() knows real number
 * ranges, not just lengths. A national number needs ctx.defaultRegion; an extension is dropped.
 */
export function normalizePhone(value: string, ctx: NormalizeContext): NormalizeResult {
  const text = value.normalize('NFKC'); // full-width digits and plus sign typed with an IME
  const region = ctx.defaultRegion?.toUpperCase();
  if (region !== undefined && !isSupportedCountry(region)) {
    return rejected('PHONE_REGION_UNSUPPORTED', `default region ${quote(region)} is not a supported ISO 3166 country code`);
  }
  if (!text.startsWith('+') && region === undefined && NATIONAL_FORMAT.test(text)) {
    return rejected(
      'PHONE_REGION_REQUIRED',
      `phone number ${quote(text)} has no country code: write it as +<country code>… or set a default region`,
    );
  }
  const parsed = parsePhoneNumberFromString(text, { defaultCountry: region as CountryCode | undefined, extract: false });
  if (!parsed) {
    return rejected('PHONE_INVALID', `${quote(text)} is not a phone number`);
  }
  if (!parsed.isValid()) {
    const where = region ? ` (read with default region ${region})` : '';
    return rejected('PHONE_INVALID', `${quote(text)} is not a valid phone number${where}: ${parsed.number} is not an assigned number range`);
  }
  return normalized(parsed.number);
}
