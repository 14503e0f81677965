import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { feedbackBytes, parseFeedbackBytes, SIGHTING_SPEC, type FeedbackMessage } from '@palermo/bundles';
import { sightingBodySchema } from './sightings.query';

// Review 8 finding 8: what the HTTP schema accepts must sign as a `palermo/sighting@1` and pass the
// store's guard (SIGHTING_INVALID there is an invariant failure); the rest stops at the schema (400).

function wireSighting(count: number, firstSeen: string, lastSeen: string) {
  const message = { spec: SIGHTING_SPEC, id: '01900000-0000-7000-8000-000000000001', from: 'de-bka', to: 'nl-police', at: '2026-12-06T12:00:00.000Z', indicator: { origin: 'nl-police', id: '01900000-0000-7000-8000-0000000000aa' }, count, firstSeen, lastSeen } as FeedbackMessage;
  return parseFeedbackBytes(feedbackBytes(message));
}

describe('the HTTP sighting schema accepts nothing the wire or the store refuses', () => {
  it('property: any accepted count and instants (offsets, dates, fractions) sign as a sighting', () => {
    const offset = fc.constantFrom('Z', '+00:00', '+14:00', '-12:00', '+05:30');
    const instant = fc.tuple(fc.date({ min: new Date('1000-01-02T00:00:00Z'), max: new Date('9999-12-30T00:00:00Z'), noInvalidDate: true }), offset, fc.boolean()).map(([d, off, dateOnly]) =>
      dateOnly ? d.toISOString().slice(0, 10) : d.toISOString().replace('Z', off),
    );
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 1_000_005 }), instant, (count, when) => {
        const parsed = sightingBodySchema.safeParse({ count, firstSeen: when, lastSeen: when });
        if (!parsed.success) return;
        expect(parsed.data.count).toBeGreaterThanOrEqual(1);
        expect(parsed.data.count).toBeLessThanOrEqual(1_000_000);
        expect(wireSighting(parsed.data.count, parsed.data.firstSeen!, parsed.data.lastSeen!)).toMatchObject({ ok: true });
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['count 0', { count: 0 }],
    ['count 1,000,001', { count: 1_000_001 }],
    ['a fractional count', { count: 1.5 }],
    ['count null', { count: null }],
    ['year 0999', { lastSeen: '0999-12-31T00:00:00Z' }],
    ['year 10000', { lastSeen: '+010000-01-01T00:00:00Z' }],
    ['a date-time without offset', { lastSeen: '2026-01-01T00:00:00' }],
    ['an over-long note', { note: 'x'.repeat(4097) }],
    ['a note with a NUL', { note: 'a\u0000b' }],
    ['a note with a C1 control', { note: 'a\u0085b' }],
    ['a note with a bidi isolate', { note: 'a\u2066b' }],
    ['a note with a lone surrogate', { note: 'a\ud800' }],
  ])('refuses %s', (_name, body) => {
    expect(sightingBodySchema.safeParse(body).success).toBe(false);
  });
});
