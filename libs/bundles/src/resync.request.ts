import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { COMMUNITY_AUDIENCE, DomainError, errorMessage, nodeIdSchema } from '@palermo/indicators';
import { fingerprintOf, type NodePrivateKey, type NodePublicKey } from './bundle.keys';
import { armoredSignatureSchema, checkStatementSignature, firstIssue, instantSchema, MAX_CLOCK_SKEW_MS, signStatement } from './signed.statement';

/** The spec tag of a resync request (wire protocol v1). */
export const RESYNC_REQUEST_SPEC = 'palermo/resync-request@1';
/** A request is a few hundred bytes plus a signature; anything larger is refused before it is parsed. */
export const MAX_RESYNC_REQUEST_BYTES = 8 * 1024;
/** The widest seq range one request may name (the publisher answers it page by page). */
export const MAX_RESYNC_SPAN = 100_000;

/**
 * A subscriber's signed question to a publisher: "send me the bundles of your chain `audience`
 * from `fromSeq` to `toSeq` (or to your head)". Signed by the requester, verified against the key the
 * publisher pinned for it; `at` and `nonce` make a captured request useless later.
 */
export interface ResyncRequest {
  spec: typeof RESYNC_REQUEST_SPEC;
  /** Node id of the subscriber asking (and signing). */
  requester: string;
  /** Node id of the publisher whose chain is asked for. */
  publisher: string;
  /** The chain: the requester's node id or `all`. */
  audience: string;
  /** First seq wanted (1 = from the start of the chain). */
  fromSeq: number;
  /** Last seq wanted; absent = up to the publisher's head. */
  toSeq?: number;
  /** When the request was made (ISO 8601 UTC). */
  at: string;
  /** 32 lower-case hex characters, fresh per request. */
  nonce: string;
  /** Fingerprint of the signing key. */
  signer: string;
}

/** A request with its armored detached signature over the RFC 8785 bytes. */
export interface SignedResyncRequest {
  request: ResyncRequest;
  signature: string;
}

/** Why a resync request is refused; stable codes, sent back to the requester. */
export type ResyncRequestErrorCode = 'RESYNC_OVERSIZE' | 'RESYNC_MALFORMED' | 'RESYNC_NOT_ADDRESSED' | 'RESYNC_SIGNATURE_INVALID' | 'RESYNC_STALE';

/** Outcome of parsing or verifying a request; never a throw. */
export type ResyncRequestResult = { ok: true; signed: SignedResyncRequest } | { ok: false; code: ResyncRequestErrorCode; message: string };

const seqSchema = z.int().min(1).max(Number.MAX_SAFE_INTEGER);
const requestSchema = z
  .strictObject({
    spec: z.literal(RESYNC_REQUEST_SPEC),
    requester: nodeIdSchema,
    publisher: nodeIdSchema,
    audience: z.union([z.literal(COMMUNITY_AUDIENCE), nodeIdSchema]),
    fromSeq: seqSchema,
    toSeq: seqSchema.optional(),
    at: instantSchema,
    nonce: z.string().regex(/^[0-9a-f]{32}$/),
    signer: z.string().regex(/^[0-9a-f]{40,64}$/),
  })
  .superRefine((r, ctx) => {
    if (r.requester === r.publisher) ctx.addIssue({ code: 'custom', path: ['publisher'], message: 'a node does not resync from itself' });
    if (r.toSeq !== undefined && r.toSeq < r.fromSeq) ctx.addIssue({ code: 'custom', path: ['toSeq'], message: 'is before fromSeq' });
    if (r.toSeq !== undefined && r.toSeq - r.fromSeq >= MAX_RESYNC_SPAN) ctx.addIssue({ code: 'custom', path: ['toSeq'], message: `spans more than ${MAX_RESYNC_SPAN} bundles` });
  });
const signedSchema = z.strictObject({ request: requestSchema, signature: armoredSignatureSchema });

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Makes and signs a request; throws RESYNC_MALFORMED when the publisher would refuse its shape. */
export async function makeResyncRequest(
  input: { requester: string; publisher: string; audience: string; fromSeq: number; toSeq?: number; at?: Date; nonce?: string },
  privateKey: NodePrivateKey,
): Promise<SignedResyncRequest> {
  const request: ResyncRequest = {
    spec: RESYNC_REQUEST_SPEC,
    requester: input.requester,
    publisher: input.publisher,
    audience: input.audience,
    fromSeq: input.fromSeq,
    ...(input.toSeq === undefined ? {} : { toSeq: input.toSeq }),
    at: (input.at ?? new Date()).toISOString(),
    nonce: input.nonce ?? randomBytes(16).toString('hex'),
    signer: fingerprintOf(privateKey),
  };
  const parsed = requestSchema.safeParse(request);
  if (!parsed.success) throw new DomainError('RESYNC_MALFORMED', firstIssue(parsed.error, '(request)'));
  return { request, signature: await signStatement(request, privateKey) };
}

/** The bytes a signed request travels as (UTF-8 JSON). */
export function resyncRequestBytes(signed: SignedResyncRequest): Uint8Array {
  return encoder.encode(JSON.stringify(signed));
}

/**
 * Checks size, UTF-8, JSON and the strict shape of a received request; says nothing about who sent
 * it (the caller then looks up the PINNED key of `request.requester`). Never throws.
 */
export function parseResyncRequest(bytes: Uint8Array): ResyncRequestResult {
  if (!(bytes instanceof Uint8Array)) return { ok: false, code: 'RESYNC_MALFORMED', message: 'not bytes' };
  if (bytes.length > MAX_RESYNC_REQUEST_BYTES) return { ok: false, code: 'RESYNC_OVERSIZE', message: `request is ${bytes.length} bytes, the limit is ${MAX_RESYNC_REQUEST_BYTES}` };
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    return { ok: false, code: 'RESYNC_MALFORMED', message: `not UTF-8 JSON: ${errorMessage(error)}` };
  }
  const parsed = signedSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, code: 'RESYNC_MALFORMED', message: firstIssue(parsed.error, '(request)') };
  return { ok: true, signed: parsed.data as SignedResyncRequest };
}

/**
 * Verifies a parsed request for publisher `self`: addressed to it, for a chain the requester may
 * read (its own or `all`), signed by the requester's pinned key, and made within `maxSkewMs` of
 * `now` either way (older is a replay, newer a skewed clock). Never throws.
 */
export async function verifyResyncRequest(
  signed: SignedResyncRequest,
  expect: { self: string; requesterKey: NodePublicKey; now?: Date; maxSkewMs?: number },
): Promise<ResyncRequestResult> {
  const { request, signature } = signed;
  if (request.publisher !== expect.self) return { ok: false, code: 'RESYNC_NOT_ADDRESSED', message: `asks publisher ${request.publisher}, this node is ${expect.self}` };
  if (request.audience !== COMMUNITY_AUDIENCE && request.audience !== request.requester) {
    return { ok: false, code: 'RESYNC_NOT_ADDRESSED', message: `chain ${request.audience} is not addressed to ${request.requester}` };
  }
  if (request.signer !== fingerprintOf(expect.requesterKey)) {
    return { ok: false, code: 'RESYNC_SIGNATURE_INVALID', message: `signed by ${request.signer}, the pinned key of ${request.requester} is ${fingerprintOf(expect.requesterKey)}` };
  }
  const verified = await checkStatementSignature(request, signature, expect.requesterKey);
  if (!verified.ok) return { ok: false, code: 'RESYNC_SIGNATURE_INVALID', message: verified.message };
  const skew = Date.parse(request.at) - (expect.now ?? new Date()).getTime();
  const maxSkew = expect.maxSkewMs ?? MAX_CLOCK_SKEW_MS;
  if (Math.abs(skew) > maxSkew) {
    return { ok: false, code: 'RESYNC_STALE', message: `made at ${request.at}, ${Math.round(Math.abs(skew) / 1000)} s ${skew < 0 ? 'ago' : 'ahead'}; at most ${maxSkew / 1000} s are accepted` };
  }
  return { ok: true, signed };
}
