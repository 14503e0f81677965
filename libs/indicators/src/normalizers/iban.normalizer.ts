import { validateIBAN, ValidationErrorsIBAN } from 'ibantools';
import { normalized, quote, rejected, type NormalizeResult } from '../normalize.types';

const IBAN_SHAPE = /^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$/;

// Most specific first: a wrong length usually also breaks the checksum, but the length is the news.
const FAILURES: [ValidationErrorsIBAN, string, string][] = [
  [ValidationErrorsIBAN.NoIBANCountry, 'IBAN_COUNTRY_UNKNOWN', 'does not start with the code of a country that uses IBANs'],
  [ValidationErrorsIBAN.WrongBBANLength, 'IBAN_LENGTH_INVALID', 'has the wrong length for its country'],
  [ValidationErrorsIBAN.WrongBBANFormat, 'IBAN_FORMAT_INVALID', 'does not match the account format of its country'],
  [ValidationErrorsIBAN.ChecksumNotNumber, 'IBAN_CHECKSUM_INVALID', 'has non-numeric check digits'],
  [ValidationErrorsIBAN.WrongIBANChecksum, 'IBAN_CHECKSUM_INVALID', 'fails the mod-97 checksum: a character is wrong or swapped'],
  [ValidationErrorsIBAN.WrongAccountBankBranchChecksum, 'IBAN_CHECKSUM_INVALID', 'fails the national account checksum of its country'],
];

/**
 * iban → electronic format: NFKC, whitespace and hyphens removed, upper-cased
 * ("nl91 abna 0417 1643 00" → "NL91ABNA0417164300"); country length, format and checksums verified.
 */
export function normalizeIban(value: string): NormalizeResult {
  const iban = value.normalize('NFKC').replace(/[\s-]+/gu, '').toUpperCase();
  if (!IBAN_SHAPE.test(iban)) {
    return rejected(
      'IBAN_FORMAT_INVALID',
      `${quote(value)} is not an IBAN: two letters, two check digits, then up to 30 letters or digits`,
    );
  }
  const { valid, errorCodes } = validateIBAN(iban, { allowQRIBAN: true });
  if (valid) return normalized(iban);
  const failure = FAILURES.find(([error]) => errorCodes.includes(error));
  const [, code, reason] = failure ?? [undefined, 'IBAN_INVALID', 'is not a valid IBAN'];
  return rejected(code, `${quote(iban)} ${reason}`);
}
