import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toIso } from '../sql.helper';
import { wireDate } from './indicator.mapper';

/** PostgreSQL's text form of an instant in a UTC session: fraction trimmed of trailing zeros. */
function pgText(date: Date, micros: number): string {
  const iso = date.toISOString();
  const fraction = (date.getUTCMilliseconds() * 1000 + micros).toString().padStart(6, '0').replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ''}+00`;
}

describe('wireDate', () => {
  it.each<[string, Date | string, string]>([
    ['a whole second', '2025-01-06 08:00:00+00', '2025-01-06T08:00:00.000Z'],
    ['one fraction digit', '2025-01-06 08:00:00.5+00', '2025-01-06T08:00:00.500Z'],
    ['microseconds (truncated, like Date)', '2025-01-06 08:00:00.999999+00', '2025-01-06T08:00:00.999Z'],
    ['another offset (falls back)', '2025-01-06 09:00:00.25+01', '2025-01-06T08:00:00.250Z'],
    ['a Date (PGlite)', new Date('2025-01-06T08:00:00.123Z'), '2025-01-06T08:00:00.123Z'],
    // Outside the fast path's years, toIso's answer (V8's legacy parser) is kept, right or wrong.
    ['a year below 1000 (falls back)', '0099-12-31 23:59:59.5+00', '1999-12-31T23:59:59.500Z'],
  ])('%s', (_name, value, iso) => {
    expect(wireDate(value)).toBe(iso);
    expect(wireDate(value)).toBe(toIso(value));
  });

  it('property: identical to toIso for PostgreSQL text of any instant in years 1000–9999', () => {
    const date = fc.date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true });
    fc.assert(
      fc.property(date, fc.integer({ min: 0, max: 999 }), (d, micros) => {
        const text = pgText(d, micros);
        expect(wireDate(text)).toBe(toIso(text));
      }),
      { numRuns: 2000 },
    );
  });
});
