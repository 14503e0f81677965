import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '@palermo/indicators';
import { Store } from '@palermo/store';
import { PUBLIC_KEY, ROLES_KEY, type Principal, type TokenRole } from './roles';

/**
 * Every route needs a bearer token (401) whose role the route allows (403). A route that
 * forgot to declare roles is refused rather than opened.
 */
@Injectable()
export class TokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly store: Store,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; principal?: Principal }>();
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (!match) throw new DomainError('AUTH_REQUIRED', 'a bearer token is required (Authorization: Bearer <token>)');
    const token = await this.store.tokens.verify(match[1]);
    if (!token) throw new DomainError('AUTH_INVALID', 'the bearer token is unknown or revoked');
    const allowed = this.reflector.getAllAndOverride<TokenRole[]>(ROLES_KEY, targets) ?? [];
    if (!allowed.includes(token.role as TokenRole)) {
      throw new DomainError('AUTH_FORBIDDEN', `role ${token.role} may not use this route (allowed: ${allowed.join(', ') || 'none'})`);
    }
    request.principal = { tokenId: token.id, role: token.role as TokenRole, name: token.name, partner: token.partner };
    return true;
  }
}
