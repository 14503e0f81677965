import { COMMUNITY_AUDIENCE, DomainError, NODE_ID_PATTERN, type Tlp } from '@palermo/indicators';
import type { ExportDecision, ExportPolicy, ExportRequest } from './policy.types';

/** Rule ids of BaselineExportPolicy, as they appear in decision reasons. */
export const EXPORT_RULES = {
  tlpCommunity: 'export.tlp-community',
  tlpPartner: 'export.tlp-partner',
  tlpNotForCommunity: 'export.tlp-not-for-community',
  tlpRequiresEncryption: 'export.tlp-requires-encryption',
} as const;

// TLP 2.0: CLEAR and GREEN may go to the whole community; AMBER only to named recipients.
const COMMUNITY_TLP: readonly Tlp[] = ['clear', 'green'];
// AMBER+STRICT and RED must stay readable only by the named recipient, which a plain bundle on a
// shared stream cannot promise. Withheld until encrypted bundles exist.
const ENCRYPTED_ONLY_TLP: readonly Tlp[] = ['amber+strict', 'red'];

/**
 * The floor every node applies before any agreement: TLP alone decides. Audience "all" gets
 * clear and green, a named partner gets up to amber; amber+strict and red are withheld.
 */
export class BaselineExportPolicy implements ExportPolicy {
  /** One decision per request, in order; throws AUDIENCE_INVALID for an audience that is neither a node id nor "all". */
  decideExport(requests: readonly ExportRequest[]): ExportDecision[] {
    return requests.map(({ indicator, audience }) => decideOne(indicator.tlp, audience));
  }
}

function decideOne(tlp: Tlp, audience: string): ExportDecision {
  if (!NODE_ID_PATTERN.test(audience)) throw new DomainError('AUDIENCE_INVALID', `not a node id or "all": ${JSON.stringify(audience)}`);
  const community = audience === COMMUNITY_AUDIENCE;
  const reasons: string[] = [];
  // Most fundamental first: the community may never see amber and above, encrypted or not.
  if (community && !COMMUNITY_TLP.includes(tlp)) reasons.push(EXPORT_RULES.tlpNotForCommunity);
  if (ENCRYPTED_ONLY_TLP.includes(tlp)) reasons.push(EXPORT_RULES.tlpRequiresEncryption);
  if (reasons.length > 0) return { action: 'withhold', reasons };
  return { action: 'share', reasons: [community ? EXPORT_RULES.tlpCommunity : EXPORT_RULES.tlpPartner] };
}
