import { describe, expect, it } from 'vitest';
import { CedarPolicyEngine, DEFAULT_POLICY_TEXT, type AgreementTerms } from '@palermo/policy';
import { decideLookup } from './lookup.policy';

const NOW = new Date('2026-12-06T12:00:00.000Z');
const partner = { nodeId: 'nl-police', jurisdiction: 'NL', adequacy: true };
const agreement = (over: Partial<AgreementTerms> = {}): AgreementTerms => ({
  id: '01890a5d-ac96-774b-bcce-b302099a8057',
  partner: 'nl-police',
  directions: ['export', 'import'],
  types: ['phone', 'email'],
  maxTlp: 'amber',
  purposes: ['investigation'],
  retentionDays: null,
  pseudonymize: [],
  lookups: true,
  validFrom: '2026-01-01T00:00:00.000Z',
  validUntil: null,
  state: 'active',
  ...over,
});

describe('decideLookup', () => {
  const engine = CedarPolicyEngine.compile(DEFAULT_POLICY_TEXT);
  const ask = (over: Partial<Parameters<typeof decideLookup>[1]> = {}, e = engine) => decideLookup(e, { type: 'email', purpose: 'investigation', partner, agreement: agreement(), ...over }, NOW);

  it('allows what the agreement allows', () => {
    expect(ask()).toBeNull();
  });

  it.each([
    ['no agreement', { agreement: null }, 'LOOKUP_NO_AGREEMENT'],
    ['a suspended agreement', { agreement: agreement({ state: 'suspended' }) }, 'LOOKUP_AGREEMENT_NOT_ACTIVE'],
    ['an expired agreement', { agreement: agreement({ validUntil: '2026-06-01T00:00:00.000Z' }) }, 'LOOKUP_AGREEMENT_NOT_ACTIVE'],
    ['lookups not agreed', { agreement: agreement({ lookups: false }) }, 'LOOKUP_NOT_AGREED'],
    ['a type not agreed', { type: 'keyword' as const }, 'LOOKUP_TYPE_NOT_AGREED'],
    ['a purpose not agreed', { purpose: 'prevention' }, 'LOOKUP_PURPOSE_NOT_AGREED'],
  ])('refuses %s with its code', (_what, over, code) => {
    expect(ask(over)).toMatchObject({ code });
  });

  it('refuses what the jurisdiction policy forbids, naming its rule', () => {
    const strict = CedarPolicyEngine.compile(`${DEFAULT_POLICY_TEXT}\n@id("no-email-lookups")\nforbid (principal, action == Palermo::Action::"lookup", resource) when { resource.type == "email" };\n`);
    expect(ask({}, strict)).toMatchObject({ code: 'LOOKUP_POLICY_REFUSED', reasons: ['no-email-lookups'] });
  });
});
