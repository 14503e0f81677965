import type { Context, EntityJson, TypeAndId } from './cedar.wasm';
import { COMMUNITY_AUDIENCE, INDICATOR_TYPES, isNodeId, JURISDICTION_PATTERN, TLP_LEVELS, tlpRank, type IndicatorType, type Tlp } from '@palermo/indicators';
import { effectiveAgreementState } from '../agreement.rules';
import type { AgreementTerms } from '../agreement.types';
import type { ExportRequest, ImportRequest, IndicatorFacts, LookupRequest, PartnerFacts } from '../policy.types';

/**
 * One request in Cedar's terms, minus the action. Entities hold facts only (an indicator's entity
 * id is a constant), so two queries with the same facts get the same decision from one policy set.
 */
export interface CedarQuery {
  principal: TypeAndId;
  resource: TypeAndId;
  entities: EntityJson[];
  context: Context;
  /** The attributes of the principal and resource entities (the facts beside the context). */
  principalAttrs: Record<string, unknown>;
  resourceAttrs: Record<string, unknown>;
}

const DAY_MS = 86_400_000;
const FEED_PURPOSE = 'feed';

/** The query for one export request, or null when its facts contradict each other (fail closed). */
export function exportQuery(r: ExportRequest, now: Date): CedarQuery | null {
  const community = r.audience === COMMUNITY_AUDIENCE;
  if (community !== (r.partner === null)) return null;
  if (community && r.agreement !== null) return null;
  if (r.partner && (r.audience !== r.partner.nodeId || !partnerValid(r.partner))) return null;
  if (!agreementFits(r.agreement, r.partner)) return null;
  const resource = indicatorEntity(r.indicator, now);
  if (!resource) return null;
  const flags = { purpose: FEED_PURPOSE, onward: r.onward === true, encrypted: r.encrypted === true };
  return query(r.partner, resource, agreementContext(r.audience, r.agreement, now, flags));
}

/** The query for one import request, or null when its facts contradict each other (fail closed). */
export function importQuery(r: ImportRequest, now: Date): CedarQuery | null {
  if (!partnerValid(r.publisher) || !agreementFits(r.agreement, r.publisher)) return null;
  if (r.audience !== COMMUNITY_AUDIENCE && !isNodeId(r.audience)) return null;
  const resource = indicatorEntity(r.indicator, now);
  if (!resource) return null;
  // Encrypted only when the verifier decrypted the bundle with this node's key.
  const flags = { purpose: FEED_PURPOSE, onward: r.indicator.origin !== r.publisher.nodeId, encrypted: r.encrypted === true };
  return query(r.publisher, resource, agreementContext(r.audience, r.agreement, now, flags));
}

/** The query for one lookup request, or null when its facts contradict each other (fail closed). */
export function lookupQuery(r: LookupRequest, now: Date): CedarQuery | null {
  if (!partnerValid(r.partner) || !agreementFits(r.agreement, r.partner)) return null;
  if (!isType(r.type) || typeof r.purpose !== 'string') return null;
  const resource: EntityJson = { uid: { type: 'Palermo::IndicatorKind', id: r.type }, attrs: { type: r.type }, parents: [] };
  const flags = { purpose: r.purpose, onward: false, encrypted: false };
  return query(r.partner, resource, agreementContext(r.partner.nodeId, r.agreement, now, flags));
}

function query(partner: PartnerFacts | null, resource: EntityJson, context: Context): CedarQuery {
  const resourceUid = resource.uid as TypeAndId;
  const resourceAttrs = resource.attrs;
  if (!partner) {
    // The community principal has no attributes, so no entity needs to be passed (each costs time).
    const principal = { type: 'Palermo::Community', id: COMMUNITY_AUDIENCE };
    return { principal, resource: resourceUid, entities: [resource], context, principalAttrs: {}, resourceAttrs };
  }
  const principal = { type: 'Palermo::Partner', id: partner.nodeId };
  const principalAttrs = { jurisdiction: partner.jurisdiction, adequacy: partner.adequacy };
  const entities = [{ uid: principal, attrs: principalAttrs, parents: [] }, resource];
  return { principal, resource: resourceUid, entities, context, principalAttrs, resourceAttrs };
}

function indicatorEntity(f: IndicatorFacts, now: Date): EntityJson | null {
  if (!isType(f.type) || !isTlp(f.tlp) || !Number.isInteger(f.confidence) || f.confidence < 0 || f.confidence > 100) return null;
  if (!Array.isArray(f.tags) || f.tags.some((t) => typeof t !== 'string') || typeof f.origin !== 'string') return null;
  const firstSeen = Date.parse(f.firstSeen);
  if (Number.isNaN(firstSeen)) return null;
  const ageDays = Math.max(0, Math.floor((now.getTime() - firstSeen) / DAY_MS));
  const attrs = { type: f.type, tlp: f.tlp, tlpRank: tlpRank(f.tlp), confidence: f.confidence, tags: f.tags, ageDays };
  return { uid: { type: 'Palermo::Indicator', id: 'indicator' }, attrs, parents: [] };
}

function agreementContext(audience: string, a: AgreementTerms | null, now: Date, flags: { purpose: string; onward: boolean; encrypted: boolean }): Context {
  return {
    audience,
    purpose: flags.purpose,
    agreement: a?.id ?? '',
    agreementState: effectiveAgreementState(a, now),
    agreementDirections: a?.directions ?? [],
    agreementTypes: a?.types ?? [],
    // -1: without an agreement not even TLP:CLEAR is "within" it.
    agreementMaxTlpRank: a ? tlpRank(a.maxTlp) : -1,
    agreementPurposes: a?.purposes ?? [],
    agreementRetentionDays: a?.retentionDays ?? 0,
    agreementPseudonymize: a?.pseudonymize ?? [],
    agreementLookups: a?.lookups ?? false,
    agreementOnward: a?.onward === true,
    onward: flags.onward,
    encrypted: flags.encrypted,
  };
}

function partnerValid(p: PartnerFacts): boolean {
  return isNodeId(p.nodeId) && JURISDICTION_PATTERN.test(p.jurisdiction) && typeof p.adequacy === 'boolean';
}

// An agreement must be the partner's own, with terms the context can carry faithfully.
function agreementFits(a: AgreementTerms | null, partner: PartnerFacts | null): boolean {
  if (a === null) return true;
  if (!partner || a.partner !== partner.nodeId || typeof a.id !== 'string' || !isTlp(a.maxTlp)) return false;
  const lists = [a.directions, a.types, a.purposes, a.pseudonymize];
  if (!lists.every((l) => Array.isArray(l) && l.every((v) => typeof v === 'string'))) return false;
  const retention = a.retentionDays;
  return (retention === null || (Number.isSafeInteger(retention) && retention >= 1)) && typeof a.lookups === 'boolean';
}

function isType(type: string): type is IndicatorType {
  return (INDICATOR_TYPES as readonly string[]).includes(type);
}

function isTlp(tlp: string): tlp is Tlp {
  return (TLP_LEVELS as readonly string[]).includes(tlp);
}
