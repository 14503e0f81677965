import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DISCLOSURE_DECISION_SPEC, DISCLOSURE_REQUEST_SPEC, feedbackBytes, parseFeedbackBytes, type FeedbackMessage } from '@palermo/bundles';
import { disclosureDecisionSchema, disclosureRequestSchema } from './disclosures.query';

// What POST /disclosures (and approve/deny/withdraw) accepts must be signable: the HTTP text rule
// may be stricter than the wire's (libs/bundles feedback.ts), never looser.
const hit = '01938a6e-0000-7000-8000-000000000001';
const head = { id: '01938a6e-0000-7000-8000-000000000002', from: 'nl-police', to: 'de-bka', at: '2026-01-01T00:00:00.000Z' };

function wireAccepts(message: object): boolean {
  return parseFeedbackBytes(feedbackBytes(message as FeedbackMessage)).ok;
}

function request(legalBasis: string, caseReference = 'C-1') {
  return disclosureRequestSchema.safeParse({ lookupHit: hit, purpose: 'investigation', legalBasis, caseReference });
}

describe('disclosure text', () => {
  it.each([
    ['CR LF', 'Art. 5\r\nStPO', 'Art. 5\nStPO'],
    ['a lone CR', 'Art. 5\rStPO', 'Art. 5\nStPO'],
    ['CR LF at the ends', '\r\nArt. 5\r\n', 'Art. 5'],
  ])('turns %s into LF, and the result signs', (_name, raw, expected) => {
    const body = request(raw);
    expect(body.success).toBe(true);
    expect(body.data!.legalBasis).toBe(expected);
    expect(wireAccepts({ spec: DISCLOSURE_REQUEST_SPEC, ...head, lookupRequestId: hit, reference: 'de-bka:x', purpose: 'investigation', legalBasis: body.data!.legalBasis, caseReference: 'C-1' })).toBe(true);
    const decision = disclosureDecisionSchema.safeParse({ reason: raw });
    expect(decision.data?.reason).toBe(expected);
  });

  it.each([
    ['a NEL (C1)', 'Art.\u0085 5'],
    ['DEL', 'Art.\u007f 5'],
    ['NUL', 'Art.\u0000 5'],
    ['a bidi override', 'Art. \u202e5'],
    ['only CR LF', '\r\n\r\n'],
  ])('refuses %s at the edge (400), not at signing', (_name, raw) => {
    expect(request(raw).success).toBe(false);
    expect(disclosureDecisionSchema.safeParse({ reason: raw }).success).toBe(false);
  });

  it('whatever the HTTP schema accepts, the wire accepts', () => {
    const chars = fc.oneof(fc.constantFrom('\r', '\n', '\t', ' ', '\u0085', '\u007f', '\u200b', '\u202e', '\u00e9', 'a', 'Z', '5', '\ud800'), fc.string({ maxLength: 1, unit: 'binary' }));
    fc.assert(
      fc.property(fc.array(chars, { minLength: 1, maxLength: 40 }).map((a) => a.join('')), (raw) => {
        const body = request(raw, raw);
        if (body.success) {
          const message = { spec: DISCLOSURE_REQUEST_SPEC, ...head, lookupRequestId: hit, reference: 'de-bka:x', purpose: 'investigation', legalBasis: body.data.legalBasis, caseReference: body.data.caseReference };
          expect(wireAccepts(message)).toBe(true);
        }
        const decision = disclosureDecisionSchema.safeParse({ reason: raw });
        if (decision.success) expect(wireAccepts({ spec: DISCLOSURE_DECISION_SPEC, ...head, disclosureId: hit, decision: 'denied', reason: decision.data.reason })).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
