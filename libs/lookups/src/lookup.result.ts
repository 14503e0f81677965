import { DomainError } from '@palermo/indicators';

/**
 * Why a lookup step refused its input; stable codes the node maps at its edges (HTTP and NATS).
 * Every refusal of bytes that came from another node carries one of these: nothing here throws on hostile input.
 */
export type LookupErrorCode =
  /** A blinded or evaluated element is not a valid, non-identity ristretto255 encoding (see ElementProblem). */
  | 'LOOKUP_ELEMENT_INVALID'
  /** A PRF output is not 64 bytes in lower-case hex. */
  | 'LOOKUP_OUTPUT_INVALID'
  /** Key material is not a canonical, non-zero ristretto255 scalar (or a seed is not 32 bytes). */
  | 'LOOKUP_KEY_INVALID'
  /** A client blind is not a canonical, non-zero scalar. */
  | 'LOOKUP_BLIND_INVALID'
  /** The value to look up is not a normalized indicator value of its type (or the type is unknown). */
  | 'LOOKUP_INPUT_INVALID'
  /** A lookup message is larger than MAX_LOOKUP_MESSAGE_BYTES. */
  | 'LOOKUP_MESSAGE_OVERSIZE'
  /** A lookup message is not UTF-8 JSON. */
  | 'LOOKUP_MESSAGE_MALFORMED_JSON'
  /** A lookup message names no spec this node speaks. */
  | 'LOOKUP_SPEC_UNKNOWN'
  /** A palermo/lookup-request@1 does not match its schema. */
  | 'LOOKUP_REQUEST_MALFORMED'
  /** A palermo/lookup-response@1 does not match its schema. */
  | 'LOOKUP_RESPONSE_MALFORMED'
  /** A palermo/lookup-match@1 does not match its schema. */
  | 'LOOKUP_MATCH_MALFORMED'
  /** A palermo/lookup-match-result@1 does not match its schema. */
  | 'LOOKUP_MATCH_RESULT_MALFORMED';

/** A lookup step's outcome: the value, or a stable code and a message that never quotes secret material. */
export type LookupResult<T> = ({ ok: true } & T) | LookupFailure;

/** A refused lookup step. */
export interface LookupFailure {
  ok: false;
  /** Stable code, see LookupErrorCode. */
  code: LookupErrorCode;
  /** Human-readable reason. */
  message: string;
}

/** Builds a refusal. */
export function lookupFailure(code: LookupErrorCode, message: string): LookupFailure {
  return { ok: false, code, message };
}

/** The value of a result, or a DomainError with its code: for callers that sit behind an error filter. */
export function unwrapLookup<R extends { ok: true } | LookupFailure>(result: R): Exclude<R, LookupFailure> {
  if (!result.ok) throw new DomainError(result.code, result.message);
  return result as Exclude<R, LookupFailure>;
}
