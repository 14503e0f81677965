import { CallHandler, ExecutionContext, HttpException, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { DomainError } from '@palermo/indicators';
import { Store } from '@palermo/store';
import { from, lastValueFrom, type Observable } from 'rxjs';
import type { Principal } from '../auth/roles';
import { statusForCode } from '../errors/error-status';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

interface AuditedRequest {
  method: string;
  path: string;
  route?: { path?: string };
  params?: Record<string, string>;
  principal?: Principal;
}

/**
 * Token use for writes: every non-GET request that carried a valid token and reached its handler
 * becomes one audit entry 'api.write' (method, route pattern, path parameters, status; never the
 * body), appended after the handler and before the answer leaves. Requests refused by the token
 * guard (401/403) never reach an interceptor and are not recorded here.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger('AuditInterceptor');

  constructor(private readonly store: Store) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<AuditedRequest>();
    if (READS.has(request.method) || !request.principal) return next.handle();
    const success = (Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) as number | undefined) ?? (request.method === 'POST' ? 201 : 200);
    return from(this.run(request, next, success));
  }

  private async run(request: AuditedRequest, next: CallHandler, success: number): Promise<unknown> {
    try {
      const value = await lastValueFrom(next.handle(), { defaultValue: undefined });
      await this.record(request, success);
      return value;
    } catch (err) {
      await this.record(request, statusOf(err));
      throw err;
    }
  }

  // The write itself has committed (or failed) by now: a failed append is logged loudly, not
  // turned into an error answer for a change that happened.
  private async record(request: AuditedRequest, status: number): Promise<void> {
    const { principal } = request;
    if (!principal) return;
    const route = request.route?.path ?? request.path;
    try {
      await this.store.audit.append({
        actor: { tokenId: principal.tokenId, name: principal.name },
        action: 'api.write',
        subjectType: 'api',
        subjectId: `${request.method} ${route}`,
        details: { method: request.method, route, params: request.params ?? {}, status, role: principal.role },
      });
    } catch (err) {
      this.logger.error(`audit entry for ${request.method} ${route} by ${principal.name} (${principal.tokenId}) NOT recorded: ${(err as Error).message}`);
    }
  }
}

/** The status the error filter will answer with (its mapping, without building the body). */
function statusOf(err: unknown): number {
  if (err instanceof DomainError) return statusForCode(err.code);
  if (err instanceof HttpException) return err.getStatus();
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : 500;
}
