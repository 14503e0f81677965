import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DISPUTE_RESOLUTION_SPEC, DISPUTE_SPEC, feedbackBytes, parseFeedbackBytes, type FeedbackMessage } from '@palermo/bundles';
import { disputeBodySchema, resolveBodySchema } from './disputes.query';

// Review 8 finding 8: DISPUTE_INVALID (store) and FEEDBACK_SCHEMA_INVALID (signing) are invariant
// failures once the HTTP schema passed. So whatever the HTTP schema accepts must also pass the wire
// schema and the store's guard (1–2000 characters, at most 32 tags of the tag pattern), and what
// neither would take must stop at the HTTP schema (400 VALIDATION_FAILED at the edge).

const ENVELOPE = { id: '01900000-0000-7000-8000-000000000001', from: 'de-bka', to: 'nl-police', at: '2026-12-06T12:00:00.000Z' };
const REF = { origin: 'nl-police', id: '01900000-0000-7000-8000-0000000000aa' };

function wireDispute(body: { kind: string; reason: string; suggestedTags?: string[] }) {
  const message = { spec: DISPUTE_SPEC, ...ENVELOPE, indicator: REF, version: 1, ...body } as FeedbackMessage;
  return parseFeedbackBytes(feedbackBytes(message));
}

function wireResolution(body: { state: string; note: string }) {
  const message = { spec: DISPUTE_RESOLUTION_SPEC, ...ENVELOPE, disputeId: '01900000-0000-7000-8000-000000000002', indicator: REF, ...body } as FeedbackMessage;
  return parseFeedbackBytes(feedbackBytes(message));
}

// The store's guard (dispute.repository.ts checkFields / resolve), restated.
function storable(text: string, tags?: string[] | null): boolean {
  return text.length >= 1 && text.length <= 2000 && (tags == null || (tags.length <= 32 && tags.every((t) => /^[a-z0-9][a-z0-9:._-]{0,63}$/.test(t))));
}

// Hostile characters next to ordinary ones: C0 (NUL, ESC, VT), CR/LF/tab, DEL and C1 (NEL), bidi
// overrides, isolates and marks, a lone surrogate, a pair, line separators, and a zero-width space.
const UNITS = fc.constantFrom('a', ' ', 'é', '日', '\u{1F600}', '\u0000', '\u001b', '\u000b', '\r', '\n', '\t', '\u007f', '\u0085', '\u202e', '\u2066', '\u200f', '\ud800', '\u2028', '\u200b');

describe('the HTTP dispute schemas accept nothing the wire or the store refuses', () => {
  it('property: an accepted dispute reason or resolution note signs and stores', () => {
    fc.assert(
      fc.property(fc.string({ unit: UNITS, maxLength: 40 }), (text) => {
        const dispute = disputeBodySchema.safeParse({ kind: 'other', reason: text });
        if (dispute.success) {
          expect(wireDispute(dispute.data)).toMatchObject({ ok: true });
          expect(storable(dispute.data.reason)).toBe(true);
        }
        const resolution = resolveBodySchema.safeParse({ state: 'rejected', note: text });
        if (resolution.success) {
          expect(wireResolution(resolution.data)).toMatchObject({ ok: true });
          expect(storable(resolution.data.note)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('normalizes CR LF and a lone CR to LF and trims (the wire refuses CR)', () => {
    const parsed = disputeBodySchema.parse({ kind: 'other', reason: '  line one\r\nline two\rline three \r\n' });
    expect(parsed.reason).toBe('line one\nline two\nline three');
    expect(wireDispute(parsed)).toMatchObject({ ok: true });
    expect(resolveBodySchema.parse({ state: 'accepted', note: 'a\r\nb' }).note).toBe('a\nb');
  });

  it('accepts exactly 2000 characters and 32 tags, the limits of the wire and the store', () => {
    const tags = Array.from({ length: 32 }, (_, i) => `ht:t${i}`);
    const parsed = disputeBodySchema.parse({ kind: 'wrong-tags', reason: 'x'.repeat(2000), suggestedTags: tags });
    expect(wireDispute(parsed)).toMatchObject({ ok: true });
    expect(storable(parsed.reason, parsed.suggestedTags)).toBe(true);
  });

  it.each([
    ['an oversize reason', { kind: 'other', reason: 'x'.repeat(2001) }],
    ['a reason that is only whitespace and line breaks', { kind: 'other', reason: ' \r\n\t ' }],
    ['a reason with a NUL', { kind: 'other', reason: 'a\u0000b' }],
    ['a reason with ESC (a terminal escape)', { kind: 'other', reason: 'a\u001b[31mred' }],
    ['a reason with a C1 control (NEL)', { kind: 'other', reason: 'a\u0085b' }],
    ['a reason with DEL', { kind: 'other', reason: 'a\u007fb' }],
    ['a reason with a bidi override', { kind: 'other', reason: 'see \u202etxt.exe' }],
    ['a reason with a bidi isolate', { kind: 'other', reason: 'see \u2066x\u2069' }],
    ['a reason with a right-to-left mark', { kind: 'other', reason: 'a\u200fb' }],
    ['a reason with a lone surrogate', { kind: 'other', reason: 'a\ud800b' }],
    ['33 suggested tags', { kind: 'wrong-tags', reason: 'x', suggestedTags: Array.from({ length: 33 }, (_, i) => `ht:t${i}`) }],
    ['a malformed tag', { kind: 'wrong-tags', reason: 'x', suggestedTags: ['Not A Tag'] }],
    ['an over-long tag', { kind: 'wrong-tags', reason: 'x', suggestedTags: [`a${'b'.repeat(64)}`] }],
    ['suggestedTags on a false positive', { kind: 'false-positive', reason: 'x', suggestedTags: ['ht:labour'] }],
    ['an empty suggestedTags on kind other', { kind: 'other', reason: 'x', suggestedTags: [] }],
    ['suggestedTags null', { kind: 'wrong-tags', reason: 'x', suggestedTags: null }],
    ['a reason that is not a string', { kind: 'other', reason: 42 }],
  ])('refuses a dispute with %s', (_name, body) => {
    expect(disputeBodySchema.safeParse(body).success).toBe(false);
  });

  it.each([
    ['an oversize note', { state: 'accepted', note: 'x'.repeat(2001) }],
    ['a blank note', { state: 'accepted', note: '\r\n' }],
    ['a note with a bidi override', { state: 'rejected', note: '\u202e' + 'x' }],
    ['a note with a C1 control', { state: 'rejected', note: 'a\u009bb' }],
    ['a note with a lone surrogate', { state: 'rejected', note: '\udc00' }],
    ['state open', { state: 'open', note: 'x' }],
  ])('refuses a resolution with %s', (_name, body) => {
    expect(resolveBodySchema.safeParse(body).success).toBe(false);
  });
});
