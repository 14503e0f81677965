import { z } from 'zod';
import { MERKLE_HASH_PATTERN } from './merkle/merkle.tree';
import { MAX_PROOF_HASHES } from './merkle/merkle.verify';
import { firstIssue } from './signed.statement';

// The request-reply protocol of a publisher's feed log (palermo.v1.log.<publisher>.proof): a partner
// asks for the inclusion of a bundle hash it holds, or the consistency of two tree sizes; the
// publisher answers with hashes only. Both directions are bounded and strictly parsed.

/** A proof request is a few dozen bytes; anything larger is refused before parsing. */
export const LOG_PROOF_REQUEST_MAX_BYTES = 1024;
/** An answer carries at most MAX_PROOF_HASHES hashes; anything larger is refused before parsing. */
export const LOG_PROOF_ANSWER_MAX_BYTES = 16 * 1024;

/** Why a proof request is not answered with a proof; stable codes. */
export type LogProofErrorCode =
  | 'LOG_PROOF_REQUEST_TOO_LARGE'
  | 'LOG_PROOF_REQUEST_MALFORMED'
  /** The publisher's log has no leaf with that bundle hash. */
  | 'LOG_HASH_UNKNOWN'
  /** A size larger than the publisher's log. */
  | 'LOG_SIZE_BEYOND_TREE'
  /** The bundle is in the log, but after the requested tree size: ask again at a later checkpoint. */
  | 'LOG_NOT_COVERED'
  /** The publisher could not compute the proof now (e.g. its database is down); ask again later. */
  | 'LOG_PROOF_UNAVAILABLE';

const size = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const hash = z.string().regex(MERKLE_HASH_PATTERN);
const proof = z.array(hash).max(MAX_PROOF_HASHES);

/** Zod schema of a proof request. */
export const logProofRequestSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('inclusion'), bundleHash: hash, treeSize: size.min(1) }),
  z.strictObject({ type: z.literal('consistency'), fromSize: size, toSize: size }).refine((r) => r.fromSize <= r.toSize, { message: 'fromSize must not exceed toSize', path: ['fromSize'] }),
]);
/** A proof request: inclusion of a bundle hash in the tree of `treeSize` leaves, or consistency of two sizes. */
export type LogProofRequest = z.infer<typeof logProofRequestSchema>;

/** Zod schema of an answer. */
export const logProofAnswerSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('inclusion'), bundleHash: hash, leafIndex: size, treeSize: size, proof }),
  z.strictObject({ type: z.literal('consistency'), fromSize: size, toSize: size, proof }),
  z.strictObject({ type: z.literal('error'), code: z.string().regex(/^LOG_[A-Z_]{1,60}$/), message: z.string().max(1024) }),
]);
/** An answer: the proof, or an error with a stable code. */
export type LogProofAnswer = z.infer<typeof logProofAnswerSchema>;

/** A refusal as the publisher sends it. */
export function logProofError(code: LogProofErrorCode, message: string): LogProofAnswer {
  return { type: 'error', code, message: message.slice(0, 1024) };
}

/** Parses a request as received (bounded, strict); never throws. */
export function parseLogProofRequest(bytes: Uint8Array): { ok: true; request: LogProofRequest } | { ok: false; answer: LogProofAnswer } {
  if (bytes.byteLength > LOG_PROOF_REQUEST_MAX_BYTES) {
    return { ok: false, answer: logProofError('LOG_PROOF_REQUEST_TOO_LARGE', `${bytes.byteLength} bytes, at most ${LOG_PROOF_REQUEST_MAX_BYTES}`) };
  }
  const parsed = logProofRequestSchema.safeParse(parseJson(bytes));
  if (!parsed.success) return { ok: false, answer: logProofError('LOG_PROOF_REQUEST_MALFORMED', firstIssue(parsed.error, '(request)')) };
  return { ok: true, request: parsed.data };
}

/** Parses an answer as received (bounded, strict); never throws. */
export function parseLogProofAnswer(bytes: Uint8Array): { ok: true; answer: LogProofAnswer } | { ok: false; message: string } {
  if (bytes.byteLength > LOG_PROOF_ANSWER_MAX_BYTES) return { ok: false, message: `answer of ${bytes.byteLength} bytes, at most ${LOG_PROOF_ANSWER_MAX_BYTES}` };
  const parsed = logProofAnswerSchema.safeParse(parseJson(bytes));
  if (!parsed.success) return { ok: false, message: firstIssue(parsed.error, '(answer)') };
  return { ok: true, answer: parsed.data };
}

/** UTF-8 JSON bytes of a request or an answer. */
export function encodeLogProofMessage(message: LogProofRequest | LogProofAnswer): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(message));
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
}
