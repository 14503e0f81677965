import { CallHandler, ExecutionContext, Injectable, NestInterceptor, StreamableFile } from '@nestjs/common';
import type { Request, Response } from 'express';
import { map, type Observable } from 'rxjs';
import { DomainError } from '@palermo/indicators';
import { acceptsTaxii, TAXII_MEDIA_TYPE } from './taxii.media';

/** What a TAXII service method answers: the resource, and the X-TAXII-* headers that go with it. */
export interface TaxiiAnswer<T = object> {
  body: T;
  headers?: Record<string, string>;
}

/**
 * Content negotiation for the TAXII routes: 406 (a TAXII error) unless Accept admits TAXII 2.1; every
 * answer in `application/taxii+json;version=2.1` with its X-TAXII-Date-Added-First/Last headers.
 * Runs after the token guard, so an unauthenticated caller learns nothing from a 406.
 */
@Injectable()
export class TaxiiInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler<TaxiiAnswer>): Observable<StreamableFile> {
    const http = context.switchToHttp();
    const accept = http.getRequest<Request>().headers.accept;
    if (!acceptsTaxii(accept)) {
      throw new DomainError('TAXII_NOT_ACCEPTABLE', `this server answers only ${TAXII_MEDIA_TYPE}; Accept was ${JSON.stringify(String(accept).slice(0, 200))}`);
    }
    const response = http.getResponse<Response>();
    return next.handle().pipe(
      map((answer) => {
        for (const [name, value] of Object.entries(answer.headers ?? {})) response.setHeader(name, value);
        // As bytes: Express's res.json would append "; charset=utf-8" to the exact media type clients compare.
        const bytes = Buffer.from(JSON.stringify(answer.body), 'utf8');
        return new StreamableFile(bytes, { type: TAXII_MEDIA_TYPE, length: bytes.length });
      }),
    );
  }
}
