import type { AgreementTerms } from '@palermo/policy';

/** Agreement terms for TAXII specs: an active two-way agreement with de-bka, in force from 2026, open-ended. */
export function agreementTerms(overrides: Partial<AgreementTerms> = {}): AgreementTerms {
  return {
    id: '01890a5d-ac96-774b-bcce-b302099a8057',
    partner: 'de-bka',
    directions: ['export', 'import'],
    types: ['phone', 'email', 'keyword'],
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
