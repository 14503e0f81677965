import { randomUUID } from 'node:crypto';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError } from '@palermo/indicators';
import { statusForCode } from '../errors/error-status';
import { TAXII_MEDIA_TYPE } from './taxii.media';

const TAXII_STATUS: Record<string, number> = { TAXII_NOT_ACCEPTABLE: 406 };

/**
 * TAXII routes answer errors as TAXII error messages (TAXII 2.1 §3.6.1: title, description,
 * error_code, http_status) in the TAXII media type, the same codes as the rest of the API; unknown
 * errors become a 500 with a correlation id (error_id), never a stack trace.
 */
@Catch()
export class TaxiiErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('TaxiiErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, code, description, errorId } = this.classify(exception);
    const body = { title: TITLES[status] ?? 'Error', description, error_code: code, http_status: String(status), ...(errorId ? { error_id: errorId } : {}) };
    response.status(status).setHeader('content-type', TAXII_MEDIA_TYPE);
    // end(), not send(): send would append "; charset=utf-8" to the media type.
    response.end(JSON.stringify(body));
  }

  private classify(exception: unknown): { status: number; code: string; description: string; errorId?: string } {
    if (exception instanceof DomainError) {
      return { status: TAXII_STATUS[exception.code] ?? statusForCode(exception.code), code: exception.code, description: exception.message };
    }
    if (exception instanceof HttpException) {
      return { status: exception.getStatus(), code: exception.getStatus() === 404 ? 'ROUTE_NOT_FOUND' : `HTTP_${exception.getStatus()}`, description: exception.message };
    }
    const errorId = randomUUID();
    this.logger.error(`unhandled TAXII error ${errorId}: ${(exception as Error)?.stack ?? String(exception)}`);
    return { status: 500, code: 'INTERNAL', description: 'internal error', errorId };
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  406: 'Not Acceptable',
  413: 'Payload Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};
