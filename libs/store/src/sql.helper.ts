import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from '@palermo/indicators';

/**
 * Runs one statement with `?` placeholders bound server-side, inside the EntityManager's
 * transaction when it has one. Used for the set-based writes: MikroORM's `execute` would inline
 * the parameters into the SQL text, which is slow for megabyte JSON batches and breaks PGlite's
 * multi-statement detection (it splits the SQL text on ';').
 *
 * Bulk rows travel as ONE json text parameter expanded with json_to_recordset: the same bytes on
 * node-postgres and PGlite (whose array and type serializers differ), and one round trip.
 */
export async function query<T>(em: EntityManager, sql: string, params: readonly unknown[] = []): Promise<T[]> {
  const raw = em.getKnex().raw(sql, params as unknown[] as readonly string[]);
  const trx = em.getTransactionContext();
  if (trx) raw.transacting(trx);
  const result = (await raw) as { rows: T[] };
  return result.rows;
}

/** True when `error` is a PostgreSQL unique violation (23505), optionally of one constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string } | null;
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

/** A Date or timestamp string from either driver, as ISO 8601 UTC. */
export function toIso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** Like toIso, keeping null. */
export function toIsoOrNull(value: Date | string | null | undefined): string | null {
  return value == null ? null : toIso(value);
}

/** int8 arrives as a string from node-postgres and as a number from PGlite. */
export function toNumberOrNull(value: number | string | bigint | null | undefined): number | null {
  return value == null ? null : Number(value);
}

/** bytea arrives as a Buffer (node-postgres) or a Uint8Array (PGlite); callers get a Uint8Array. */
export function toBytes(value: Uint8Array): Uint8Array {
  return value instanceof Buffer ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : value;
}

/** Binds bytes as a Buffer, which both drivers send as bytea. */
export function bytesParam(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const MAX_LIMIT = 1000;

/** Validates a page size (1–1000 for pages a client asks for; internal batches may allow more). */
export function checkLimit(limit: number, max = MAX_LIMIT): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new DomainError('INVALID_LIMIT', `limit must be an integer between 1 and ${max}`);
  }
  return limit;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a uuid in its text form: checked before a uuid column sees it (PostgreSQL would fail the statement). */
export function isUuid(text: string): boolean {
  return UUID_PATTERN.test(text);
}
