import type { PartnerFacts } from '@palermo/policy';
import type { PartnerRecord } from '@palermo/store';

/** A pinned partner's facts for the policy: adequacy is this node's list, not the partner's claim. */
export function partnerFacts(partner: Pick<PartnerRecord, 'nodeId' | 'jurisdiction'>, adequacy: readonly string[]): PartnerFacts {
  return { nodeId: partner.nodeId, jurisdiction: partner.jurisdiction, adequacy: adequacy.includes(partner.jurisdiction) };
}
