// Test data shared by the policy specs (not exported from index.ts).
import type { WireIndicator } from '@palermo/indicators';
import type { ImportRequest } from './policy.types';

/** A wire indicator with the fields policies look at (override any). */
export function indicator(overrides: Partial<WireIndicator> = {}): WireIndicator {
  return {
    id: '01890a5d-ac96-774b-bcce-b302099a8057',
    origin: 'de-bka',
    version: 1,
    type: 'phone',
    value: '+4915112345678',
    tlp: 'green',
    confidence: 80,
    tags: ['ht:labour'],
    firstSeen: '2025-01-01T00:00:00.000Z',
    lastSeen: '2025-01-02T00:00:00.000Z',
    validUntil: null,
    modifiedAt: '2025-01-02T00:00:00.000Z',
    ...overrides,
  };
}

/** An import request from de-bka to this node for an indicator (override any field). */
export function importRequest(overrides: Partial<WireIndicator> = {}): ImportRequest {
  return { indicator: indicator(overrides), publisher: 'de-bka', publisherJurisdiction: 'DE', audience: 'nl-police' };
}
