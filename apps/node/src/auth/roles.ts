import { SetMetadata } from '@nestjs/common';

/** The roles a bearer token can carry. */
export const ROLES = ['analyst', 'policy-officer', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const ANY_ROLE: readonly Role[] = ROLES;

export const ROLES_KEY = 'palermo:roles';
export const PUBLIC_KEY = 'palermo:public';

/** Restricts a route (or controller) to the given roles; routes without it are refused (fail closed). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** Marks a route as reachable without a token (liveness only; it must reveal nothing). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** Who made the request, attached to the request by the token guard. */
export interface Principal {
  tokenId: string;
  role: Role;
  name: string;
}
