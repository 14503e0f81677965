import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import { Store } from '@palermo/store';
import type { NextFunction, Request, Response } from 'express';
import type { Principal } from '../auth/roles';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A write refused by the token guard because the (valid) token's role may not use the route never
 * reaches an interceptor; an auditor still wants to see the attempt. After such a 403 is sent, the
 * token is looked up again and 'api.refused' is appended (after the answer: nothing to wait for).
 * Unknown tokens (401) are not recorded: anyone could fill the log with them.
 */
@Injectable()
export class AuditRefusalMiddleware implements NestMiddleware {
  private readonly logger = new Logger('AuditRefusalMiddleware');

  constructor(private readonly store: Store) {}

  use(req: Request & { principal?: Principal }, res: Response, next: NextFunction): void {
    if (!READS.has(req.method)) res.once('finish', () => void this.afterFinish(req, res));
    next();
  }

  private async afterFinish(req: Request & { principal?: Principal }, res: Response): Promise<void> {
    if (res.statusCode !== 403 || req.principal) return;
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match) return;
    const route = (req.route as { path?: string } | undefined)?.path ?? req.path;
    try {
      const token = await this.store.tokens.verify(match[1]!);
      if (!token) return;
      await this.store.audit.append({
        actor: { tokenId: token.id, name: token.name },
        action: 'api.refused',
        subjectType: 'api',
        subjectId: `${req.method} ${route}`,
        details: { method: req.method, route, status: 403, role: token.role },
      });
    } catch (err) {
      this.logger.error(`audit entry for the refused ${req.method} ${route} NOT recorded: ${(err as Error).message}`);
    }
  }
}
