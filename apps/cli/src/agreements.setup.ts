import type { z } from 'zod';
import { INDICATOR_TYPES } from '@palermo/indicators';
import type { agreementInputSchema } from '@palermo/policy';
import { ApiClient } from './api.client';

/** The terms of POST /agreements as a client writes them (defaults may be left out), without the partner. */
export type AgreementTermsBody = Omit<z.input<typeof agreementInputSchema>, 'partner'>;

/** A running node as seen by whoever sets up its agreements: its URL and two different officers. */
export interface AgreementParty {
  nodeId: string;
  url: string;
  /** Two policy-officer tokens: one drafts, the other approves (four-eyes). */
  officers: readonly [string, string];
}

/** Broad terms for demos and tests: both directions, every type, up to TLP:AMBER, no retention limit, valid from now on. */
export function openTerms(): AgreementTermsBody {
  return {
    directions: ['export', 'import'],
    types: [...INDICATOR_TYPES],
    maxTlp: 'amber',
    purposes: ['investigation', 'intelligence'],
    retentionDays: null,
    pseudonymize: [],
    lookups: false,
    // A minute back, so a partner clock slightly behind ours still sees it in effect.
    validFrom: new Date(Date.now() - 60_000).toISOString(),
  };
}

/** Drafts an agreement on `party` with `partner` (first officer) and approves it (second officer). */
export async function agree(party: AgreementParty, partner: string, terms: Partial<AgreementTermsBody> = {}): Promise<{ id: string; state: string }> {
  const drafter = new ApiClient(party.url, party.officers[0]);
  const approver = new ApiClient(party.url, party.officers[1]);
  const draft = await drafter.call<{ id: string }>('POST', '/agreements', { ...openTerms(), ...terms, partner });
  return approver.call<{ id: string; state: string }>('POST', `/agreements/${draft.id}/approve`, { reason: 'agreed between the parties' });
}

/** Every party agrees with every other one on the same terms (each side approves its own agreement). */
export async function agreeAll(parties: readonly AgreementParty[], terms: Partial<AgreementTermsBody> = {}): Promise<void> {
  for (const party of parties) {
    for (const other of parties) if (other !== party) await agree(party, other.nodeId, terms);
  }
}
