import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tlpRank, type Tlp } from '@palermo/indicators';
import { mispEventToIndicators } from './misp-event.mapper';

// Whatever tags and distributions an event, an object and an attribute carry, the indicator is never
// less restricted than any one of them says (an unknown tlp value or distribution counts as red).

const TLP_TAGS: Record<string, Tlp> = {
  'tlp:white': 'clear',
  'tlp:clear': 'clear',
  'tlp:green': 'green',
  'tlp:amber': 'amber',
  'tlp:amber+strict': 'amber+strict',
  'tlp:red': 'red',
  'tlp:unclear': 'red',
  'TLP:RED': 'red',
};
const DISTRIBUTIONS: Record<string, Tlp | undefined> = { '0': 'red', '1': 'amber', '2': 'amber', '3': 'green', '4': 'amber+strict', '5': undefined, '7': 'red' };

const level = fc.record({
  tags: fc.subarray(Object.keys(TLP_TAGS)),
  distribution: fc.option(fc.constantFrom(...Object.keys(DISTRIBUTIONS)), { nil: undefined }),
});

function floor(l: { tags: string[]; distribution?: string }): number {
  const ranks = l.tags.map((t) => tlpRank(TLP_TAGS[t]!));
  const d = l.distribution === undefined ? undefined : DISTRIBUTIONS[l.distribution];
  if (d) ranks.push(tlpRank(d));
  return Math.max(-1, ...ranks);
}
const shape = (l: { tags: string[]; distribution?: string }) => ({
  Tag: l.tags.map((name) => ({ name })),
  ...(l.distribution === undefined ? {} : { distribution: l.distribution }),
});

describe('MISP markings (property)', () => {
  it('the TLP is at least as restrictive as every tag and distribution above the attribute', () => {
    fc.assert(
      fc.property(level, level, level, fc.boolean(), (event, object, attribute, inObject) => {
        const attr = { uuid: '7a0e0c1e-4444-4c1a-9e0f-000000000001', type: 'domain', value: 'example.org', ...shape(attribute) };
        const json = {
          uuid: '5f1c0a3e-7d2b-4c1a-9e0f-2b8d4a6c1e01',
          ...shape(event),
          ...(inObject
            ? { Object: [{ uuid: '9b1d2c3e-4444-4c1a-9e0f-000000000001', name: 'domain-ip', ...shape(object), Attribute: [attr] }] }
            : { Attribute: [attr] }),
        };
        const result = mispEventToIndicators(json, { defaultTlp: 'clear' });
        expect(result.items).toHaveLength(1);
        const got = tlpRank(result.items[0]!.input.tlp);
        const expected = Math.max(floor(event), inObject ? floor(object) : -1, floor(attribute), 0);
        expect(got).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});
