import { SetMetadata } from '@nestjs/common';

/** The staff roles a bearer token can carry. */
export const ROLES = ['analyst', 'policy-officer', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];
/** Every staff role: `partner` is deliberately not among them (it reads TAXII/STIX only). */
export const ANY_ROLE: readonly Role[] = ROLES;

/**
 * A partner node's read token, scoped to one partner (`palermo tokens create --role partner --partner
 * <node id>`): allowed only on routes that name it, i.e. the TAXII and STIX export read routes, and
 * there it sees only the community chain and its own audience.
 */
export const PARTNER_ROLE = 'partner' as const;
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
