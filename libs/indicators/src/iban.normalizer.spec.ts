import { describe, expect, it } from 'vitest';
import { normalizeValue } from './value.normalizer';

describe('iban normalization', () => {
  it.each([
    ['NL91ABNA0417164300', 'NL91ABNA0417164300'],
    ['nl91 abna 0417 1643 00', 'NL91ABNA0417164300'], // printed form, lower-case
    ['NL91-ABNA-0417-1643-00', 'NL91ABNA0417164300'],
    ['NL91\u00A0ABNA\u00A00417164300', 'NL91ABNA0417164300'], // no-break spaces from a PDF
    ['ＮＬ９１ＡＢＮＡ０４１７１６４３００', 'NL91ABNA0417164300'], // full-width
    ['DE89 3704 0044 0532 0130 00', 'DE89370400440532013000'],
    ['GB82 WEST 1234 5698 7654 32', 'GB82WEST12345698765432'],
    ['BE68 5390 0754 7034', 'BE68539007547034'],
    ['FR14 2004 1010 0505 0001 3M02 606', 'FR1420041010050500013M02606'],
    ['CH44 3199 9123 0008 8901 2', 'CH4431999123000889012'], // a QR-IBAN is still an IBAN
  ])('%j → %j', (raw, expected) => {
    expect(normalizeValue('iban', raw, {})).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['NL91ABNA0417164301', 'IBAN_CHECKSUM_INVALID'], // last digit changed
    ['NL19ABNA0417164300', 'IBAN_CHECKSUM_INVALID'], // check digits swapped
    ['DE89370400440532013001', 'IBAN_CHECKSUM_INVALID'],
    ['BE68539007547035', 'IBAN_CHECKSUM_INVALID'], // also fails the Belgian national check
    ['NL91ABNA041716430', 'IBAN_LENGTH_INVALID'],
    ['NL91ABNA04171643000', 'IBAN_LENGTH_INVALID'],
    ['XX91ABNA0417164300', 'IBAN_COUNTRY_UNKNOWN'],
    ['NL911234ABNA164300', 'IBAN_FORMAT_INVALID'], // digits where the bank code letters go
    ['IBAN NL91ABNA0417164300', 'IBAN_FORMAT_INVALID'],
    ['NL91ABNA04171643.0', 'IBAN_FORMAT_INVALID'],
    ['12345678', 'IBAN_FORMAT_INVALID'],
    ['NL91ABNA0417164300\u0000', 'VALUE_CONTROL_CHARACTER'],
  ])('%j → %s', (raw, code) => {
    expect(normalizeValue('iban', raw, {})).toMatchObject({ ok: false, code });
  });
});
