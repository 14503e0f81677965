import type { AgreementTerms, CedarPolicyEngine, PartnerFacts } from '@palermo/policy';
import type { IndicatorType } from '@palermo/indicators';

/** Why a lookup is refused by policy: the most specific reason code for the requester. */
export type LookupPolicyRefusal = { code: string; message: string; reasons: string[] };

/**
 * Decides one partner's lookup with the live jurisdiction policy (Cedar action `lookup`, bounded by
 * the baseline: agreement active, type agreed, lookups allowed, purpose agreed) and turns the rule ids
 * into the stable codes the requester sees. Null = allowed.
 */
export function decideLookup(
  engine: CedarPolicyEngine,
  r: { type: IndicatorType; purpose: string; partner: PartnerFacts; agreement: AgreementTerms | null },
  now: Date,
): LookupPolicyRefusal | null {
  const [decision] = engine.decideLookup([r], now);
  if (decision && decision.action === 'allow') return null;
  const reasons = decision?.reasons ?? [];
  const a = r.agreement;
  if (!a) return { code: 'LOOKUP_NO_AGREEMENT', message: `no agreement with ${r.partner.nodeId}`, reasons };
  if (reasons.includes('baseline.agreement-not-active')) return { code: 'LOOKUP_AGREEMENT_NOT_ACTIVE', message: `the agreement with ${r.partner.nodeId} is not in force`, reasons };
  if (reasons.includes('baseline.type-not-agreed')) return { code: 'LOOKUP_TYPE_NOT_AGREED', message: `type ${r.type} is not in the agreement`, reasons };
  if (reasons.includes('baseline.lookup-not-agreed')) {
    return a.lookups
      ? { code: 'LOOKUP_PURPOSE_NOT_AGREED', message: `purpose ${r.purpose} is not in the agreement (${a.purposes.join(', ')})`, reasons }
      : { code: 'LOOKUP_NOT_AGREED', message: `the agreement with ${r.partner.nodeId} does not allow lookups`, reasons };
  }
  return { code: 'LOOKUP_POLICY_REFUSED', message: `refused by the jurisdiction policy (${reasons.join(', ')})`, reasons };
}
