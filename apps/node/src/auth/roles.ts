import { SetMetadata } from '@nestjs/common';
import { PARTNER_ROLE } from '@palermo/store';

/** The staff roles a bearer token can carry. */
export const ROLES = ['analyst', 'policy-officer', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];
/** Every staff role: `partner` is deliberately not among them (it reads TAXII/STIX only). */
export const ANY_ROLE: readonly Role[] = ROLES;
/**
 * Who may read indicator values, on every route that serves them (GET /indicators*, TAXII `local`,
 * the STIX export of `local`). Not admin: the operator runs the node but does not read its intelligence.
 */
export const INDICATOR_READERS: readonly Role[] = ['analyst', 'policy-officer', 'auditor'];

/** A partner node's read token (TAXII and STIX export only); declared once, in the token store. */
export { PARTNER_ROLE };
export type TokenRole = Role | typeof PARTNER_ROLE;

export const ROLES_KEY = 'palermo:roles';
export const PUBLIC_KEY = 'palermo:public';

/** Restricts a route (or controller) to the given roles; routes without it are refused (fail closed). */
export const Roles = (...roles: TokenRole[]) => SetMetadata(ROLES_KEY, roles);

/** Marks a route as reachable without a token (liveness only; it must reveal nothing). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** Who made the request, attached to the request by the token guard. */
export interface Principal {
  tokenId: string;
  role: TokenRole;
  name: string;
  /** The partner node a `partner` token reads for; null for staff roles. */
  partner: string | null;
}
