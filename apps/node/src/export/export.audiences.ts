import { COMMUNITY_AUDIENCE, DomainError } from '@palermo/indicators';
import { effectiveAgreementState, type AgreementTerms, type PartnerFacts } from '@palermo/policy';
import type { AgreementRecord, PartnerRecord } from '@palermo/store';
import { partnerFacts } from '../policy/partner.facts';

/** One audience the exporter may write to: the community chain or a partner under its agreement. */
export interface ExportAudience {
  audience: string;
  /** The partner's facts as the policy sees them; null for the community chain. */
  partner: PartnerFacts | null;
  /** The agreement the partner's chain is written under; null for the community chain. */
  agreement: AgreementTerms | null;
}

/** The community chain: every pinned partner reads it, so it never needs an agreement of its own. */
export const COMMUNITY: ExportAudience = { audience: COMMUNITY_AUDIENCE, partner: null, agreement: null };

/** Whether an agreement lets this node write a partner's chain right now. */
export function allowsExport(agreement: AgreementTerms | null | undefined, now: Date): boolean {
  return !!agreement && effectiveAgreementState(agreement, now) === 'active' && agreement.directions.includes('export');
}

/**
 * The audiences of one export pass: the community chain, then every pinned partner whose current
 * agreement is active and covers export, in node-id order (so chains are cut deterministically).
 */
export function exportAudiences(partners: PartnerRecord[], agreements: AgreementRecord[], adequacy: readonly string[], now: Date): ExportAudience[] {
  const byPartner = new Map(agreements.map((a) => [a.partner, a]));
  return [
    COMMUNITY,
    ...partners
      .filter((p) => allowsExport(byPartner.get(p.nodeId), now))
      .sort((a, b) => a.nodeId.localeCompare(b.nodeId))
      .map((p) => ({ audience: p.nodeId, partner: partnerFacts(p, adequacy), agreement: byPartner.get(p.nodeId)! })),
  ];
}

/**
 * Who a bundle must be encrypted to: on a partner's chain, the partner's pinned key when the bundle
 * holds a TLP:AMBER+STRICT or TLP:RED entry or its agreement requires encryption; null (in clear)
 * otherwise, and always on the community chain, which every pinned partner reads. A chain whose
 * partner is not pinned gets no bundle with data, so there is no key to miss there.
 */
export function encryptionRecipients(partners: PartnerRecord[], agreements: AgreementRecord[]): (audience: string, restricted: boolean) => string | null {
  const fingerprints = new Map(partners.map((p) => [p.nodeId, p.fingerprint]));
  const required = new Set(agreements.filter((a) => a.encrypt).map((a) => a.partner));
  return (audience, restricted) => {
    if (audience === COMMUNITY_AUDIENCE || !(restricted || required.has(audience))) return null;
    const fingerprint = fingerprints.get(audience);
    if (!fingerprint) throw new DomainError('PARTNER_NOT_PINNED', `cannot encrypt to ${audience}: no pinned key`);
    return fingerprint;
  };
}

/**
 * Partners no agreement lets this node export to right now, and not merely suspended (a suspended
 * one gets its revocations from the backfill when resumed): they receive revocations of what they
 * hold, and nothing else.
 */
export function revocationOnlyAudiences(partners: PartnerRecord[], agreements: AgreementRecord[], now: Date): string[] {
  const byPartner = new Map(agreements.map((a) => [a.partner, a]));
  return partners
    .filter((p) => {
      const agreement = byPartner.get(p.nodeId);
      return !allowsExport(agreement, now) && agreement?.state !== 'suspended';
    })
    .map((p) => p.nodeId)
    .sort();
}

