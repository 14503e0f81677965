import { checkStatementSignature, signStatement, type NodePrivateKey, type NodePublicKey } from '@palermo/bundles';
import { isNodeId } from '@palermo/indicators';
import {
  LOOKUP_MATCH_SPEC,
  LOOKUP_MATCH_RESULT_SPEC,
  LOOKUP_REQUEST_SPEC,
  LOOKUP_RESPONSE_SPEC,
  parseLookupMessage,
  type LookupMatch,
  type LookupMatchResult,
  type LookupRequest,
  type LookupResponse,
} from '@palermo/lookups';

// What travels on `palermo.v1.lookup.<responder>`. The four messages of libs/lookups are plain
// objects; querier → responder they ride in an envelope signed by the querier's node key (the
// scheme of partner cards and receipts: an armored detached signature over RFC 8785 bytes), so the
// responder knows who asks from the key it pinned, not from a claim. Answers go back to the
// querier's own inbox, which only it can read (deploy/nats), and are either one of the lib's
// messages or a refusal with a stable code.

/** Spec tag of the signed envelope of a request or a match. */
export const LOOKUP_SIGNED_SPEC = 'palermo/lookup-signed@1';
/** Spec tag of a responder's refusal. */
export const LOOKUP_REFUSAL_SPEC = 'palermo/lookup-refusal@1';
/** An envelope is a lookup message (≤ 2 KiB) plus an Ed25519 signature; anything larger is refused before JSON.parse. */
export const MAX_LOOKUP_ENVELOPE_BYTES = 4096;

/** A responder's refusal: a stable code, a message that quotes nothing secret, and for LOOKUP_RATE_LIMITED when to ask again. */
export interface LookupRefusal {
  spec: typeof LOOKUP_REFUSAL_SPEC;
  code: string;
  message: string;
  requestId?: string;
  retryAfterSeconds?: number;
}

/** What a responder read off the wire: the signed message and who claims to have signed it. */
export interface LookupEnvelope {
  requester: string;
  message: LookupRequest | LookupMatch;
  signature: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** Signs a request or match with this node's key and encodes it for the wire. */
export async function sealLookup(requester: string, message: LookupRequest | LookupMatch, key: NodePrivateKey): Promise<Uint8Array> {
  const signature = await signStatement({ spec: LOOKUP_SIGNED_SPEC, requester, message }, key);
  return encoder.encode(JSON.stringify({ spec: LOOKUP_SIGNED_SPEC, requester, message, signature }));
}

/** Reads an envelope: size, UTF-8 JSON, strict shape, then the inner message by its spec (a request or a match). Never throws. */
export function openLookup(bytes: Uint8Array): { ok: true; envelope: LookupEnvelope } | { ok: false; code: string; message: string } {
  if (bytes.byteLength > MAX_LOOKUP_ENVELOPE_BYTES) return { ok: false, code: 'LOOKUP_MESSAGE_OVERSIZE', message: `message is ${bytes.byteLength} bytes, the limit is ${MAX_LOOKUP_ENVELOPE_BYTES}` };
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(bytes));
  } catch {
    return { ok: false, code: 'LOOKUP_MESSAGE_MALFORMED_JSON', message: 'not UTF-8 JSON' };
  }
  const env = raw as Record<string, unknown> | null;
  if (!env || typeof env !== 'object' || Array.isArray(env) || env.spec !== LOOKUP_SIGNED_SPEC) {
    return { ok: false, code: 'LOOKUP_SPEC_UNKNOWN', message: `expected a ${LOOKUP_SIGNED_SPEC} envelope` };
  }
  const keys = Object.keys(env).sort().join(',');
  if (keys !== 'message,requester,signature,spec' || typeof env.requester !== 'string' || !isNodeId(env.requester) || typeof env.signature !== 'string' || env.signature.length > 2048) {
    return { ok: false, code: 'LOOKUP_ENVELOPE_MALFORMED', message: 'an envelope is exactly {spec, requester, message, signature}' };
  }
  const inner = parseLookupMessage(encoder.encode(JSON.stringify(env.message ?? null)), [LOOKUP_REQUEST_SPEC, LOOKUP_MATCH_SPEC]);
  if (!inner.ok) return inner;
  return { ok: true, envelope: { requester: env.requester, message: inner.message as LookupRequest | LookupMatch, signature: env.signature } };
}

/** Checks the envelope's signature with the requester's pinned key; never throws. */
export async function checkLookupSignature(envelope: LookupEnvelope, key: NodePublicKey): Promise<{ ok: true } | { ok: false; message: string }> {
  return checkStatementSignature({ spec: LOOKUP_SIGNED_SPEC, requester: envelope.requester, message: envelope.message }, envelope.signature, key);
}

/** Encodes a responder's answer. */
export function answerBytes(answer: LookupResponse | LookupMatchResult | LookupRefusal): Uint8Array {
  return encoder.encode(JSON.stringify(answer));
}

/** A refusal to send back. */
export function refusal(code: string, message: string, extra: { requestId?: string; retryAfterSeconds?: number } = {}): LookupRefusal {
  return { spec: LOOKUP_REFUSAL_SPEC, code, message: message.slice(0, 500), ...extra };
}

/** Reads a responder's answer of the expected kind, or its refusal; anything else is LOOKUP_ANSWER_MALFORMED. Never throws. */
export function readAnswer<S extends typeof LOOKUP_RESPONSE_SPEC | typeof LOOKUP_MATCH_RESULT_SPEC>(
  bytes: Uint8Array,
  expected: S,
): { kind: 'answer'; message: S extends typeof LOOKUP_RESPONSE_SPEC ? LookupResponse : LookupMatchResult } | { kind: 'refusal'; refusal: LookupRefusal } | { kind: 'malformed'; message: string } {
  const parsed = parseLookupMessage(bytes, [expected]);
  if (parsed.ok) return { kind: 'answer', message: parsed.message as never };
  let raw: Record<string, unknown> | null = null;
  try {
    if (bytes.byteLength <= MAX_LOOKUP_ENVELOPE_BYTES) raw = JSON.parse(decoder.decode(bytes)) as Record<string, unknown>;
  } catch {
    raw = null;
  }
  if (raw && raw.spec === LOOKUP_REFUSAL_SPEC && typeof raw.code === 'string' && CODE.test(raw.code) && typeof raw.message === 'string') {
    const retry = raw.retryAfterSeconds;
    const retryAfterSeconds = Number.isSafeInteger(retry) && (retry as number) >= 1 && (retry as number) <= 86_400 ? (retry as number) : undefined;
    return { kind: 'refusal', refusal: refusal(raw.code, raw.message, retryAfterSeconds ? { retryAfterSeconds } : {}) };
  }
  return { kind: 'malformed', message: parsed.message };
}
