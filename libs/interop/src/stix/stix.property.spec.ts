import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TLP_LEVELS, parseIndicatorInput, type WireIndicator } from '@palermo/indicators';
import { assertValidStix } from '../../../../tests/fixtures/stix2.1-json-schemas/stix-schema.validator';
import { indicatorToStix } from './stix-export.mapper';
import { stixObjectToIndicator } from './stix-import.mapper';
import { parseStixPattern, stixStringLiteral } from './stix-pattern.parser';
import { STIX_SAMPLE_VALUES, sampleIndicator } from './stix.fixtures';

const isoDate = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
const DESCRIPTION_CHARS = fc.constantFrom('a', 'Z', '0', ' ', 'é', '日', '\u{1F600}', '"', "'", '\\', '\n', '\t', '<', ']');

const indicatorArb: fc.Arbitrary<WireIndicator> = fc
  .record({
    base: fc.constantFrom(...STIX_SAMPLE_VALUES),
    version: fc.integer({ min: 1, max: 1_000_000 }),
    tlp: fc.constantFrom(...TLP_LEVELS),
    confidence: fc.integer({ min: 0, max: 100 }),
    // Not in the ht: namespace: those must be taxonomy tags (the vocabulary's check), not random strings.
    tags: fc.uniqueArray(fc.stringMatching(/^[a-z0-9][a-z0-9:._-]{0,20}$/).filter((tag) => !tag.startsWith('ht:')), { maxLength: 6 }),
    seen: fc.tuple(isoDate, isoDate).map(([a, b]) => (a <= b ? [a, b] : [b, a])),
    validUntil: fc.option(isoDate, { nil: null }),
    description: fc.option(fc.string({ unit: DESCRIPTION_CHARS, minLength: 1, maxLength: 60 }).filter((d) => d.trim() === d && d !== ''), { nil: undefined }),
    modifiedAt: isoDate,
  })
  .map(({ base, seen, tags, description, ...rest }) =>
    sampleIndicator({ ...base, ...rest, tags: [...tags].sort(), firstSeen: seen[0], lastSeen: seen[1], description }),
  );

describe('STIX properties', () => {
  it('any wire indicator exports to a schema-valid object and imports back unchanged', () => {
    fc.assert(
      fc.property(indicatorArb, fc.boolean(), (indicator, revoked) => {
        const stix = indicatorToStix(indicator, revoked ? { revokedAt: '2030-01-01T00:00:00.000Z' } : undefined);
        assertValidStix(stix);
        expect(stix.valid_until === undefined || stix.valid_until > stix.valid_from).toBe(true);
        const item = stixObjectToIndicator(JSON.parse(JSON.stringify(stix)), { defaultTlp: 'amber' });
        if (item.kind !== 'indicator') throw new Error(JSON.stringify(item));
        expect(item.revoked).toBe(revoked);
        const parsed = parseIndicatorInput(item.input);
        if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
        expect(parsed.indicator).toEqual({
          type: indicator.type,
          value: indicator.value,
          ...(indicator.platform ? { platform: indicator.platform } : {}),
          ...(indicator.chain ? { chain: indicator.chain } : {}),
          tlp: indicator.tlp,
          confidence: indicator.confidence,
          tags: indicator.tags,
          firstSeen: indicator.firstSeen,
          lastSeen: indicator.lastSeen,
          ...(indicator.validUntil ? { validUntil: indicator.validUntil } : {}),
          ...(indicator.description ? { description: indicator.description } : {}),
        });
      }),
      { numRuns: 300 },
    );
  });

  it('any string survives a pattern literal', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (value) => {
        expect(parseStixPattern(`[text:value = ${stixStringLiteral(value)}]`)).toEqual({ ok: true, comparisons: [{ objectType: 'text', path: ['value'], value }] });
      }),
    );
  });

  it('the pattern parser never throws, whatever it is given', () => {
    const alphabet = fc.constantFrom('[', ']', '(', ')', ':', '.', '=', '!', '<', '>', "'", '\\', ' ', 'AND', 'OR', 'a', '-', '_', '1', 't', 'x-y', 'value', 'WITHIN', '*', ',', '\n');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 40 }).map((parts) => parts.join('')), (pattern) => {
        const result = parseStixPattern(pattern);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});
