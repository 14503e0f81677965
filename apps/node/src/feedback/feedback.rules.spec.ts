import { describe, expect, it } from 'vitest';
import type { AgreementTerms } from '@palermo/policy';
import { refusalOfFeedback, routeAnswer, routeToOrigin, routeToPartner } from './feedback.rules';

const NOW = new Date('2026-12-06T12:00:00.000Z');

function agreement(overrides: Partial<AgreementTerms> = {}): AgreementTerms {
  return {
    id: '01900000-0000-7000-8000-000000000001',
    partner: 'nl-police',
    directions: ['export', 'import'],
    types: ['email'],
    maxTlp: 'amber',
    purposes: ['investigation'],
    retentionDays: null,
    pseudonymize: [],
    lookups: false,
    validFrom: '2026-01-01T00:00:00.000Z',
    validUntil: null,
    state: 'active',
    ...overrides,
  };
}

const imported = { own: false, origin: 'nl-police', relayedBy: null };

describe('routeToOrigin: where feedback about an indicator goes', () => {
  it.each([
    ['an own indicator stays local', { ...imported, own: true, origin: 'de-bka' }, true, agreement(), { kind: 'own' }],
    ['to a pinned origin under an agreement in effect that covers import', imported, true, agreement(), { kind: 'send', to: 'nl-police' }],
    ['export-only agreement: not agreed', imported, true, agreement({ directions: ['export'] }), { kind: 'not-sent', code: 'FEEDBACK_NOT_AGREED' }],
    ['suspended agreement: not agreed', imported, true, agreement({ state: 'suspended' }), { kind: 'not-sent', code: 'FEEDBACK_NOT_AGREED' }],
    ['expired agreement: not agreed', imported, true, agreement({ validUntil: '2026-12-01T00:00:00.000Z' }), { kind: 'not-sent', code: 'FEEDBACK_NOT_AGREED' }],
    ['not yet valid: not agreed', imported, true, agreement({ validFrom: '2027-01-01T00:00:00.000Z' }), { kind: 'not-sent', code: 'FEEDBACK_NOT_AGREED' }],
    ['no agreement with a direct origin: not agreed', imported, true, null, { kind: 'not-sent', code: 'FEEDBACK_NOT_AGREED' }],
    ['relayed, no agreement with the origin: not from the origin', { ...imported, relayedBy: 'de-bka' }, true, null, { kind: 'not-sent', code: 'FEEDBACK_NOT_FROM_ORIGIN' }],
    // The origin never sent it to us, so it would refuse the feedback (FEEDBACK_NOT_SHARED_WITH_SENDER): keep it local instead.
    ['relayed, even with an agreement with the origin in effect: not from the origin', { ...imported, relayedBy: 'de-bka' }, true, agreement(), { kind: 'not-sent', to: 'nl-police', code: 'FEEDBACK_NOT_FROM_ORIGIN' }],
    ['relayed from an origin that is not pinned: not from the origin', { ...imported, relayedBy: 'de-bka' }, false, null, { kind: 'not-sent', code: 'FEEDBACK_NOT_FROM_ORIGIN' }],
    ['origin not pinned: not a partner', imported, false, agreement(), { kind: 'not-sent', code: 'FEEDBACK_ORIGIN_NOT_PARTNER' }],
  ])('%s', (_name, indicator, pinned, terms, expected) => {
    expect(routeToOrigin(indicator, pinned, terms, NOW)).toMatchObject(expected);
  });
});

describe('refusalOfFeedback: what the origin accepts', () => {
  const ref = { origin: 'nl-police', id: '01900000-0000-7000-8000-0000000000aa' };
  const ok = { indicator: { own: true }, sharedWithSender: true, agreement: agreement({ partner: 'de-bka' }) };
  it.each([
    ['accepted: own, shared, agreement in effect', ref, ok, null],
    ['accepted under an import-only agreement (community chain)', ref, { ...ok, agreement: agreement({ partner: 'de-bka', directions: ['import'] }) }, null],
    ['an indicator of another origin', { ...ref, origin: 'fr-police' }, ok, 'FEEDBACK_UNKNOWN_INDICATOR'],
    ['an indicator this node does not hold', ref, { ...ok, indicator: null }, 'FEEDBACK_UNKNOWN_INDICATOR'],
    ['an imported indicator under our node id', ref, { ...ok, indicator: { own: false } }, 'FEEDBACK_UNKNOWN_INDICATOR'],
    ['never sent to the sender', ref, { ...ok, sharedWithSender: false }, 'FEEDBACK_NOT_SHARED_WITH_SENDER'],
    ['no agreement', ref, { ...ok, agreement: null }, 'FEEDBACK_NOT_AGREED'],
    ['a terminated agreement', ref, { ...ok, agreement: agreement({ state: 'terminated' }) }, 'FEEDBACK_NOT_AGREED'],
  ])('%s', (_name, r, facts, code) => {
    const refusal = refusalOfFeedback('de-bka', r, facts, 'nl-police', NOW);
    expect(refusal?.code ?? null).toBe(code);
  });
});

describe('routeAnswer: whether a resolution can travel', () => {
  it('goes to a pinned partner whatever the agreement (it answers its own dispute); not to one that is not pinned', () => {
    expect(routeAnswer('de-bka', true)).toEqual({ kind: 'send', to: 'de-bka' });
    expect(routeAnswer('de-bka', false)).toMatchObject({ kind: 'not-sent', to: 'de-bka', code: 'FEEDBACK_ORIGIN_NOT_PARTNER' });
  });
});

describe('routeToPartner: whether a message to a partner can travel', () => {
  it('sends under any agreement in effect, else says why', () => {
    expect(routeToPartner('de-bka', true, agreement({ directions: ['export'] }), NOW)).toEqual({ kind: 'send', to: 'de-bka' });
    expect(routeToPartner('de-bka', true, agreement({ state: 'suspended' }), NOW)).toMatchObject({ kind: 'not-sent', code: 'FEEDBACK_NOT_AGREED' });
    expect(routeToPartner('de-bka', false, agreement(), NOW)).toMatchObject({ kind: 'not-sent', code: 'FEEDBACK_ORIGIN_NOT_PARTNER' });
  });
});
