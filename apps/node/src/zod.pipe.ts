import { Injectable, PipeTransform } from '@nestjs/common';
import type { ZodType } from 'zod';
import { DomainError } from '@palermo/indicators';

/** Validates a body, query or param with a zod schema (the same schema the OpenAPI shows). */
@Injectable()
export class ZodPipe<T> implements PipeTransform<unknown, T> {
  constructor(private readonly schema: ZodType<T>) {}

  transform(value: unknown): T {
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const errors = parsed.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), code: i.code.toUpperCase(), message: i.message }));
    throw new DomainError('VALIDATION_FAILED', errors.map((e) => `${e.path.join('.') || '(input)'}: ${e.message}`).join('; '), { errors });
  }
}
