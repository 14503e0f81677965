// Test data shared by the policy specs (not exported from index.ts).
import type { AgreementTerms } from './agreement.types';
import type { ExportRequest, ImportRequest, IndicatorFacts, LookupRequest, PartnerFacts } from './policy.types';

/** "now" of every fixture: agreements below are valid at this instant. */
export const NOW = new Date('2026-03-01T12:00:00.000Z');

/** The facts of an indicator originated by de-bka (override any). */
export function facts(overrides: Partial<IndicatorFacts> = {}): IndicatorFacts {
  return { type: 'phone', tlp: 'green', confidence: 80, tags: ['ht:labour'], firstSeen: '2026-01-01T00:00:00.000Z', origin: 'de-bka', ...overrides };
}

/** Partner de-bka in DE (adequate) — override any. */
export function partner(overrides: Partial<PartnerFacts> = {}): PartnerFacts {
  return { nodeId: 'de-bka', jurisdiction: 'DE', adequacy: true, ...overrides };
}

/** An active two-way agreement with de-bka covering every type up to AMBER (override any). */
export function agreement(overrides: Partial<AgreementTerms> = {}): AgreementTerms {
  return {
    id: '01890a5d-ac96-774b-bcce-b302099a8057',
    partner: 'de-bka',
    directions: ['export', 'import'],
    types: ['phone', 'email', 'username', 'url', 'domain', 'ip', 'crypto-wallet', 'iban', 'keyword', 'text-fingerprint', 'image-hash', 'file-sha256'],
    maxTlp: 'amber',
    purposes: ['investigation'],
    retentionDays: 365,
    pseudonymize: [],
    lookups: true,
    validFrom: '2026-01-01T00:00:00.000Z',
    validUntil: '2027-01-01T00:00:00.000Z',
    state: 'active',
    ...overrides,
  };
}

/** Export of `indicator` to de-bka under `agreement()` (override any field). */
export function exportTo(overrides: Partial<ExportRequest> = {}): ExportRequest {
  return { indicator: facts({ origin: 'nl-police' }), audience: 'de-bka', partner: partner(), agreement: agreement(), ...overrides };
}

/** Export of `indicator` to the community chain. */
export function exportToAll(indicator: IndicatorFacts = facts({ origin: 'nl-police', tlp: 'clear' })): ExportRequest {
  return { indicator, audience: 'all', partner: null, agreement: null };
}

/** Import from de-bka on this node's chain under `agreement()` (override any field). */
export function importFrom(overrides: Partial<ImportRequest> = {}): ImportRequest {
  return { indicator: facts(), publisher: partner(), audience: 'nl-police', agreement: agreement(), ...overrides };
}

/** A lookup by de-bka for phones, purpose investigation (override any field). */
export function lookupBy(overrides: Partial<LookupRequest> = {}): LookupRequest {
  return { type: 'phone', partner: partner(), purpose: 'investigation', agreement: agreement(), ...overrides };
}
