import { randomUUID } from 'node:crypto';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError } from '@palermo/indicators';
import { statusForCode } from './error-status';

/** The one place where errors become HTTP answers: `{ error: { code, message, details? } }`. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.toAnswer(exception);
    // A 429 says when to ask again (RFC 9110 Retry-After), from the error's retryAfterSeconds.
    const retryAfter = exception instanceof DomainError ? (exception.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds : undefined;
    if (status === 429 && Number.isSafeInteger(retryAfter)) response.setHeader('Retry-After', String(retryAfter));
    response.status(status).json(body);
  }

  private toAnswer(exception: unknown): { status: number; body: object } {
    if (exception instanceof DomainError) {
      return { status: statusForCode(exception.code), body: { error: { code: exception.code, message: exception.message, details: exception.details } } };
    }
    if (exception instanceof HttpException) return this.fromHttp(exception);
    const parserError = fromBodyParser(exception);
    if (parserError) return parserError;
    const correlationId = randomUUID();
    this.logger.error(`unhandled error ${correlationId}: ${(exception as Error)?.stack ?? String(exception)}`);
    return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error', correlationId } } };
  }

  // Nest's router raises HttpExceptions before any service runs: 404 for unknown routes, and 400
  // for body-parser's JSON SyntaxError (re-wrapped with only its message, hence the message test).
  private fromHttp(exception: HttpException): { status: number; body: object } {
    const status = exception.getStatus();
    if (status === 400 && /JSON|Unexpected token|position/i.test(exception.message)) {
      return { status: 400, body: { error: { code: 'MALFORMED_JSON', message: `request body is not valid JSON: ${exception.message}` } } };
    }
    if (status === 404) return { status, body: { error: { code: 'ROUTE_NOT_FOUND', message: exception.message } } };
    return { status, body: { error: { code: `HTTP_${status}`, message: exception.message } } };
  }
}

// body-parser raises `http-errors` objects (status + type), not HttpExceptions.
function fromBodyParser(exception: unknown): { status: number; body: object } | undefined {
  const e = exception as { status?: unknown; type?: unknown; message?: string } | null;
  if (!e || typeof e.status !== 'number' || typeof e.type !== 'string' || e.status < 400 || e.status > 499) return undefined;
  const codes: Record<string, string> = {
    'entity.too.large': 'PAYLOAD_TOO_LARGE',
    'entity.parse.failed': 'MALFORMED_JSON',
    'encoding.unsupported': 'UNSUPPORTED_ENCODING',
    'charset.unsupported': 'UNSUPPORTED_CHARSET',
    'request.aborted': 'REQUEST_ABORTED',
  };
  const code = codes[e.type] ?? `HTTP_${e.status}`;
  const message = code === 'PAYLOAD_TOO_LARGE' ? 'request body exceeds the 16 MB limit' : (e.message ?? 'bad request body');
  return { status: e.status, body: { error: { code, message } } };
}
