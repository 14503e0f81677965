import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IndicatorInput } from '../store.types';
import { type ExistingOwn, type OwnInsert, ownNaturalKey, planOwnUpsert } from './own-upsert.plan';

const NOW = '2025-11-28T12:00:00.000Z';
const date = fc
  .integer({ min: Date.parse('2020-01-01'), max: Date.parse('2030-01-01') })
  .map((ms) => new Date(ms).toISOString());

const item: fc.Arbitrary<IndicatorInput> = fc.record(
  {
    type: fc.constantFrom('email' as const, 'phone' as const, 'username' as const),
    value: fc.string({ minLength: 1, maxLength: 8 }),
    platform: fc.constantFrom('telegram', 'instagram'),
    tlp: fc.constantFrom('clear' as const, 'green' as const, 'amber' as const),
    confidence: fc.integer({ min: 0, max: 100 }),
    tags: fc.uniqueArray(fc.constantFrom('ht:labour', 'ht:payment', 'ht:recruitment'), { maxLength: 3 }),
    firstSeen: date,
    lastSeen: date,
    validUntil: date,
    description: fc.string({ maxLength: 10 }),
  },
  { requiredKeys: ['type', 'value', 'tlp', 'confidence', 'tags'] },
);
const batch = fc.uniqueArray(item, { maxLength: 20, selector: ownNaturalKey });

function stored({ id, modified_at: _modifiedAt, ...columns }: OwnInsert, pk: number): ExistingOwn {
  return { ...columns, pk: String(pk), origin_id: id, version: 1 };
}

describe('planOwnUpsert', () => {
  it('creates every new item, and the same batch again changes nothing', () => {
    fc.assert(
      fc.property(batch, (items) => {
        const first = planOwnUpsert(items, [], NOW);
        expect(first.results.every((r) => r.status === 'created' && r.version === 1)).toBe(true);
        expect(new Set(first.results.map((r) => r.id)).size).toBe(items.length);
        const again = planOwnUpsert(items, first.inserts.map(stored), NOW);
        expect(again.results.map((r) => r.status)).toEqual(items.map(() => 'unchanged'));
        expect(again.updates).toEqual([]);
      }),
    );
  });

  it('only widens the seen window, and bumps the version exactly when something changed', () => {
    fc.assert(
      fc.property(item, item, (original, change) => {
        const [insert] = planOwnUpsert([original], [], NOW).inserts;
        const next = { ...change, type: original.type, value: original.value, platform: original.platform };
        const plan = planOwnUpsert([next], [stored(insert!, 1)], NOW);
        const update = plan.updates[0];
        if (!update) {
          expect(plan.results[0]).toMatchObject({ status: 'unchanged', version: 1 });
          return;
        }
        expect(plan.results[0]).toMatchObject({ status: 'updated', version: 2 });
        expect(update.first_seen <= insert!.first_seen).toBe(true);
        expect(update.last_seen >= insert!.last_seen).toBe(true);
      }),
    );
  });

  it('fills a missing date from the other one, then from now', () => {
    const plan = (dates: Partial<IndicatorInput>) =>
      planOwnUpsert([{ type: 'email', value: 'a@b.c', tlp: 'green', confidence: 50, tags: [], ...dates }], [], NOW).inserts[0];
    expect(plan({})).toMatchObject({ first_seen: NOW, last_seen: NOW });
    expect(plan({ firstSeen: '2025-01-01T00:00:00Z' })).toMatchObject({
      first_seen: '2025-01-01T00:00:00.000Z',
      last_seen: '2025-01-01T00:00:00.000Z',
    });
    expect(plan({ lastSeen: '2025-02-01T00:00:00Z' })).toMatchObject({ first_seen: '2025-02-01T00:00:00.000Z' });
  });

  it.each(['yesterday', '2025-13-01T00:00:00Z'])('refuses the date %j', (bad) => {
    expect(() => planOwnUpsert([{ type: 'email', value: 'a@b.c', tlp: 'green', confidence: 50, tags: [], firstSeen: bad }], [], NOW)).toThrow(
      expect.objectContaining({ code: 'INVALID_DATE' }),
    );
  });
});
