import { z } from 'zod';
import { errorMessage, INDICATOR_TYPES, nodeIdSchema, UUID_V7_PATTERN, wireTimestampSchema } from '@palermo/indicators';
import { ELEMENT_BYTES } from './lookup.element';
import { hexPattern } from './lookup.hex';
import { PRF_OUTPUT_BYTES } from './lookup.oprf';
import { lookupFailure, type LookupErrorCode, type LookupResult } from './lookup.result';

/** Spec tag of the querier's question (wire protocol v1). */
export const LOOKUP_REQUEST_SPEC = 'palermo/lookup-request@1';
/** Spec tag of the responder's evaluated element. */
export const LOOKUP_RESPONSE_SPEC = 'palermo/lookup-response@1';
/** Spec tag of the querier's PRF output, sent for matching. */
export const LOOKUP_MATCH_SPEC = 'palermo/lookup-match@1';
/** Spec tag of the responder's hit or no-hit. */
export const LOOKUP_MATCH_RESULT_SPEC = 'palermo/lookup-match-result@1';
/** Every lookup message is a few hundred bytes; anything larger is refused before JSON.parse. */
export const MAX_LOOKUP_MESSAGE_BYTES = 2048;
/** A purpose as the wire carries it; whether the agreement allows it is the lookup policy's decision, with reasons. */
export const LOOKUP_PURPOSE_PATTERN = /^[a-z][a-z0-9-]{1,31}$/;
/** An opaque hit reference: an id the responder resolves for a disclosure, never the value or anything derived from it. */
export const LOOKUP_REFERENCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** Highest key epoch accepted on the wire (epochs count rotations from 1). */
export const MAX_KEY_EPOCH = 1_000_000;

const requestId = z.string().regex(UUID_V7_PATTERN, { error: 'requestId must be a lower-case uuid v7' });
const keyEpoch = z.int().min(1).max(MAX_KEY_EPOCH);
const element = z.string().regex(hexPattern(ELEMENT_BYTES), { error: `must be ${ELEMENT_BYTES * 2} lower-case hex digits` });

// The schemas check the spelling of elements only; their group membership is checked by evaluate/finalize.
const requestSchema = z
  .strictObject({
    spec: z.literal(LOOKUP_REQUEST_SPEC),
    requester: nodeIdSchema,
    responder: nodeIdSchema,
    type: z.enum(INDICATOR_TYPES),
    blindedElement: element,
    purpose: z.string().regex(LOOKUP_PURPOSE_PATTERN),
    requestId,
    at: wireTimestampSchema,
  })
  .refine((r) => r.requester !== r.responder, { path: ['responder'], error: 'a node asks no lookups of itself' });
const responseSchema = z.strictObject({ spec: z.literal(LOOKUP_RESPONSE_SPEC), requestId, evaluatedElement: element, keyEpoch });
const matchSchema = z.strictObject({
  spec: z.literal(LOOKUP_MATCH_SPEC),
  requestId,
  prfOutput: z.string().regex(hexPattern(PRF_OUTPUT_BYTES), { error: `must be ${PRF_OUTPUT_BYTES * 2} lower-case hex digits` }),
  keyEpoch,
});
const matchResultSchema = z.discriminatedUnion('hit', [
  z.strictObject({ spec: z.literal(LOOKUP_MATCH_RESULT_SPEC), requestId, hit: z.literal(false) }),
  z.strictObject({ spec: z.literal(LOOKUP_MATCH_RESULT_SPEC), requestId, hit: z.literal(true), reference: z.string().regex(LOOKUP_REFERENCE_PATTERN) }),
]);

/** Querier → responder: "evaluate your key on this blinded element"; the value itself is never in it. */
export type LookupRequest = z.infer<typeof requestSchema>;
/** Responder → querier: the evaluated element and the key epoch it used. */
export type LookupResponse = z.infer<typeof responseSchema>;
/** Querier → responder: the unblinded PRF output, to be matched against the table of that key epoch. */
export type LookupMatch = z.infer<typeof matchSchema>;
/** Responder → querier: `{hit: false}`, or `{hit: true, reference}` naming the matched record opaquely. */
export type LookupMatchResult = z.infer<typeof matchResultSchema>;
/** Any lookup message, told apart by `spec`. */
export type LookupMessage = LookupRequest | LookupResponse | LookupMatch | LookupMatchResult;

const PARSERS = {
  [LOOKUP_REQUEST_SPEC]: { schema: requestSchema, code: 'LOOKUP_REQUEST_MALFORMED' },
  [LOOKUP_RESPONSE_SPEC]: { schema: responseSchema, code: 'LOOKUP_RESPONSE_MALFORMED' },
  [LOOKUP_MATCH_SPEC]: { schema: matchSchema, code: 'LOOKUP_MATCH_MALFORMED' },
  [LOOKUP_MATCH_RESULT_SPEC]: { schema: matchResultSchema, code: 'LOOKUP_MATCH_RESULT_MALFORMED' },
} as const satisfies Record<string, { schema: z.ZodType; code: LookupErrorCode }>;
type LookupSpec = keyof typeof PARSERS;

/** Checks a parsed palermo/lookup-request@1 (strict: unknown fields refused); never throws. */
export function parseLookupRequest(raw: unknown): LookupResult<{ message: LookupRequest }> {
  return parseWith(LOOKUP_REQUEST_SPEC, raw);
}

/** Checks a parsed palermo/lookup-response@1; never throws. */
export function parseLookupResponse(raw: unknown): LookupResult<{ message: LookupResponse }> {
  return parseWith(LOOKUP_RESPONSE_SPEC, raw);
}

/** Checks a parsed palermo/lookup-match@1; never throws. */
export function parseLookupMatch(raw: unknown): LookupResult<{ message: LookupMatch }> {
  return parseWith(LOOKUP_MATCH_SPEC, raw);
}

/** Checks a parsed palermo/lookup-match-result@1; never throws. */
export function parseLookupMatchResult(raw: unknown): LookupResult<{ message: LookupMatchResult }> {
  return parseWith(LOOKUP_MATCH_RESULT_SPEC, raw);
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads one lookup message off the wire: size, UTF-8, JSON, then the schema its `spec` names. A responder's
 * subject carries requests and matches alike; `expected` narrows what this caller accepts. Never throws.
 */
export function parseLookupMessage(bytes: Uint8Array, expected?: readonly string[]): LookupResult<{ message: LookupMessage }> {
  if (!(bytes instanceof Uint8Array)) return lookupFailure('LOOKUP_MESSAGE_MALFORMED_JSON', 'not bytes');
  if (bytes.length > MAX_LOOKUP_MESSAGE_BYTES) return lookupFailure('LOOKUP_MESSAGE_OVERSIZE', `message is ${bytes.length} bytes, the limit is ${MAX_LOOKUP_MESSAGE_BYTES}`);
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    return lookupFailure('LOOKUP_MESSAGE_MALFORMED_JSON', `not UTF-8 JSON: ${errorMessage(error).slice(0, 120)}`);
  }
  const spec = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as { spec?: unknown }).spec : undefined;
  if (!isLookupSpec(spec) || (expected && !expected.includes(spec))) {
    return lookupFailure('LOOKUP_SPEC_UNKNOWN', `spec ${JSON.stringify(String(spec)).slice(0, 60)} is not ${expected ? expected.join(' or ') : 'a lookup message'}`);
  }
  return parseWith(spec, raw);
}

function isLookupSpec(spec: unknown): spec is LookupSpec {
  return typeof spec === 'string' && Object.hasOwn(PARSERS, spec);
}

function parseWith<S extends LookupSpec>(spec: S, raw: unknown): LookupResult<{ message: z.infer<(typeof PARSERS)[S]['schema']> }> {
  const { schema, code } = PARSERS[spec];
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, message: parsed.data as z.infer<(typeof PARSERS)[S]['schema']> };
  const issue = parsed.error.issues[0]!;
  return lookupFailure(code, `${issue.path.join('.') || '(message)'}: ${issue.message}`.slice(0, 300));
}
