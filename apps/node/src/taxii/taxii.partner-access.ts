import { isNodeId } from '@palermo/indicators';
import { effectiveAgreementState, type AgreementTerms } from '@palermo/policy';
import type { Tlp } from '@palermo/indicators';

/**
 * Why a partner token may not read now, or null when it may: its partner must be a valid node id,
 * pinned, and have an agreement in force that lets this node publish to it (direction `export`). A
 * token outlives agreements; this check makes it stop working when the agreement ends or is suspended.
 */
export function partnerAccessProblem(partner: string | null, pinned: boolean, agreement: AgreementTerms | null, now: Date): string | null {
  if (partner === null || !isNodeId(partner)) return `the token's partner ${JSON.stringify(partner)} is not a node id`;
  if (!pinned) return `partner ${partner} is not pinned on this node`;
  const state = effectiveAgreementState(agreement, now);
  if (state !== 'active') return `no agreement with ${partner} is in force (${state})`;
  if (!agreement!.directions.includes('export')) return `the agreement with ${partner} does not let this node publish to it`;
  return null;
}

const RESTRICTED: ReadonlySet<Tlp> = new Set<Tlp>(['amber+strict', 'red']);

/** TLP levels the federation sends only encrypted to the recipient's key: never served in clear to a bearer token. */
export function isRestrictedTlp(tlp: Tlp): boolean {
  return RESTRICTED.has(tlp);
}
