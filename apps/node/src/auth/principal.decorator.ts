import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { ActorRef } from '@palermo/policy';
import type { Principal } from './roles';

/** The caller as the audit trail names it (token id and name), set by the token guard. */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext): ActorRef => {
  const { principal } = context.switchToHttp().getRequest<{ principal?: Principal }>();
  // The guard runs first on every non-public route; a route without it has no actor to audit.
  if (!principal) throw new Error('no principal on the request: @Actor() used on a public route');
  return { tokenId: principal.tokenId, name: principal.name };
});

/** The caller with its role (and, for a partner token, its partner), set by the token guard. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const { principal } = context.switchToHttp().getRequest<{ principal?: Principal }>();
  if (!principal) throw new Error('no principal on the request: @CurrentPrincipal() used on a public route');
  return principal;
});
