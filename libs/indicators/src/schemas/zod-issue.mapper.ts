import type { z } from 'zod';
import type { FieldError } from '../domain-error';

type Issue = z.core.$ZodIssue;
type Path = (string | number)[];

// Fields that exist for one type only: a hint beats a bare "unknown field".
const TYPE_SPECIFIC_FIELDS: Record<string, string> = {
  platform: '"platform" is only allowed (and required) for username indicators',
  chain: '"chain" is only allowed (and required) for crypto-wallet indicators',
};

/**
 * Turn zod issues into FieldErrors with stable SCREAMING_SNAKE codes and messages a person can act
 * on. Issues we raised ourselves carry their code in params.code (PHONE_INVALID, …); zod's own are
 * mapped by kind (REQUIRED, INVALID_TYPE, UNKNOWN_FIELD, TOO_LONG, …). `index` tags batch items.
 * `root` names the whole input in messages. Parse with { reportInput: true } so that a missing field
 * can be told from a wrong one.
 */
export function fieldErrorsFromZod(issues: readonly Issue[], index?: number, root = 'input'): FieldError[] {
  return issues.flatMap((issue) => mapIssue(issue, root).map((error) => (index === undefined ? error : { index, ...error })));
}

function mapIssue(issue: Issue, root: string): FieldError[] {
  const path = issue.path.filter((key): key is string | number => typeof key !== 'symbol');
  const field = formatFieldPath(path, root);
  switch (issue.code) {
    case 'custom': {
      const code = typeof issue.params?.code === 'string' ? issue.params.code : 'INVALID_VALUE';
      return [{ path, code, message: `${field}: ${issue.message}` }];
    }
    case 'unrecognized_keys':
      return unknownFieldErrors(issue.keys, path, field);
    case 'invalid_type':
      if (issue.expected === 'nonoptional' || ('input' in issue && issue.input === undefined)) {
        return [{ path, code: 'REQUIRED', message: `${field} is required` }];
      }
      return [{ path, code: 'INVALID_TYPE', message: `${field} must be ${article(issue.expected)}, got ${describe(issue.input)}` }];
    case 'invalid_union':
      return [discriminatorError(issue, path, field)];
    case 'invalid_value':
      return [{ path, code: 'INVALID_VALUE', message: `${field} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` }];
    case 'too_big':
      return [sizeError(path, field, issue.origin, 'at most', issue.maximum)];
    case 'too_small':
      return [sizeError(path, field, issue.origin, 'at least', issue.minimum)];
    case 'invalid_format':
      return [{ path, code: 'INVALID_FORMAT', message: `${field}: ${issue.message}` }];
    default:
      return [{ path, code: issue.code.toUpperCase(), message: `${field}: ${issue.message}` }];
  }
}

// An object with thousands of junk keys gets a handful of errors and a count, not thousands.
const MAX_UNKNOWN_FIELD_ERRORS = 10;

function unknownFieldErrors(keys: string[], path: Path, field: string): FieldError[] {
  const where = path.length ? ` in ${field}` : '';
  const errors: FieldError[] = keys.slice(0, MAX_UNKNOWN_FIELD_ERRORS).map((key) => ({
    path: [...path, key],
    code: 'UNKNOWN_FIELD',
    message: TYPE_SPECIFIC_FIELDS[key] ?? `unknown field ${shorten(key)}${where}`,
  }));
  if (keys.length > MAX_UNKNOWN_FIELD_ERRORS) {
    const more = keys.length - MAX_UNKNOWN_FIELD_ERRORS;
    errors.push({ path, code: 'UNKNOWN_FIELD', message: `…and ${more} more unknown fields${where}` });
  }
  return errors;
}

/** "type"/"chain" missing or unknown (zod reports a discriminated union without a match this way). */
function discriminatorError(issue: z.core.$ZodIssueInvalidUnion, path: Path, field: string): FieldError {
  const { discriminator, options } = issue as { discriminator?: string; options?: unknown[] };
  if (discriminator === undefined) return { path, code: 'INVALID_VALUE', message: `${field}: ${issue.message}` };
  const allowed = (options ?? []).map(String).join(', ');
  const input = issue.input as Record<string, unknown> | undefined;
  if (input !== undefined && input[discriminator] === undefined) {
    return { path, code: 'REQUIRED', message: `${field} is required: one of ${allowed}` };
  }
  const code = discriminator === 'type' ? 'UNKNOWN_TYPE' : `UNKNOWN_${discriminator.toUpperCase()}`;
  const got = input === undefined ? '' : ` (got ${describe(input[discriminator])})`;
  return { path, code, message: `${field} must be one of ${allowed}${got}` };
}

function sizeError(path: Path, field: string, origin: string, bound: string, limit: number | bigint): FieldError {
  if (origin === 'string') return { path, code: bound === 'at most' ? 'TOO_LONG' : 'TOO_SHORT', message: `${field} must be ${bound} ${limit} characters long` };
  if (origin === 'array') return { path, code: bound === 'at most' ? 'TOO_MANY_ITEMS' : 'TOO_FEW_ITEMS', message: `${field} must have ${bound} ${limit} items` };
  return { path, code: 'OUT_OF_RANGE', message: `${field} must be ${bound} ${limit}` };
}

/** A field path as people read it: "tags[2]", "indicators[3].value", or `root` for the root. */
export function formatFieldPath(path: readonly (string | number)[], root: string): string {
  if (path.length === 0) return root;
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? key : `.${key}`)).join('');
}

function article(expected: string): string {
  if (expected === 'int') return 'an integer';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${shorten(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value;
}

/** JSON-quoted and cut to 40 characters: error messages never echo a huge input back. */
function shorten(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
