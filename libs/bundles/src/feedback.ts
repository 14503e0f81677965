import { z } from 'zod';
import { DomainError, errorMessage, findDisplayProblem, MAX_TAGS, nodeIdSchema, TAG_PATTERN, UUID_V7_PATTERN, wireTimestampSchema } from '@palermo/indicators';
import { bundleHash, canonicalJson } from './bundle.codec';
import { BUNDLE_HASH_PATTERN } from './bundle.schema';
import type { NodePrivateKey, NodePublicKey } from './bundle.keys';
import { fingerprintOf } from './bundle.keys';
import { signDetached, verifyDetached } from './bundle.signature';

// Feedback (issue 5 items 3 and 5): what a node tells one partner about that partner's indicators or
// lookup hits, on `palermo.v1.feedback.<to>.<from>`. Each message is one JSON object, canonical
// (RFC 8785) bytes with a detached OpenPGP signature in the headers, like a receipt. Messages never
// carry an indicator's value: they name it by (origin, id), which the recipient already holds.

/** "Seen here too": a partner's sighting of the recipient's indicator. */
export const SIGHTING_SPEC = 'palermo/sighting@1';
/** A partner disputes the recipient's indicator (false positive, wrong tags, other). */
export const DISPUTE_SPEC = 'palermo/dispute@1';
/** The origin's answer to a dispute: accepted or rejected, with a note. */
export const DISPUTE_RESOLUTION_SPEC = 'palermo/dispute-resolution@1';
/** After a lookup hit: the querier asks the responder to disclose the matched indicator. */
export const DISCLOSURE_REQUEST_SPEC = 'palermo/disclosure-request@1';
/** The responder's policy officer approved (and the bundle that carries it) or denied a disclosure. */
export const DISCLOSURE_DECISION_SPEC = 'palermo/disclosure-decision@1';

/** Every feedback spec, in the order they were added. */
export const FEEDBACK_SPECS = [SIGHTING_SPEC, DISPUTE_SPEC, DISPUTE_RESOLUTION_SPEC, DISCLOSURE_REQUEST_SPEC, DISCLOSURE_DECISION_SPEC] as const;
export type FeedbackSpec = (typeof FEEDBACK_SPECS)[number];

/** A feedback message is at most a few kilobytes; anything larger is refused before it is parsed. */
export const MAX_FEEDBACK_BYTES = 8192;
/** Longest free text a feedback message carries (dispute reasons, resolution notes, legal bases). */
export const MAX_FEEDBACK_TEXT = 2000;
/** Kinds of dispute. */
export const DISPUTE_KINDS = ['false-positive', 'wrong-tags', 'other'] as const;
export type DisputeKind = (typeof DISPUTE_KINDS)[number];
/** States of a dispute: open until the origin resolves it. */
export const DISPUTE_STATES = ['open', 'accepted', 'rejected'] as const;
export type DisputeState = (typeof DISPUTE_STATES)[number];

/** Fields every feedback message has. `id` is minted by the sender and names the thing it reports (the sighting, dispute or disclosure). */
interface FeedbackBase {
  /** uuid v7 minted by the sender: the sighting's, dispute's, resolution's or disclosure's id. */
  id: string;
  /** Node id of the sender (must be the subject's last token). */
  from: string;
  /** Node id of the recipient. */
  to: string;
  /** When the sender made it (ISO 8601 UTC). */
  at: string;
}

/** An indicator named by its origin and the id its origin minted. */
export interface IndicatorRef {
  origin: string;
  id: string;
}

export interface SightingFeedback extends FeedbackBase {
  spec: typeof SIGHTING_SPEC;
  indicator: IndicatorRef;
  /** How many times it was seen (1–1,000,000). */
  count: number;
  firstSeen: string;
  lastSeen: string;
}

export interface DisputeFeedback extends FeedbackBase {
  spec: typeof DISPUTE_SPEC;
  indicator: IndicatorRef;
  /** The indicator version the disputer holds. */
  version: number;
  kind: DisputeKind;
  reason: string;
  /** For wrong-tags: the tags the disputer thinks are right. */
  suggestedTags?: string[];
}

export interface DisputeResolutionFeedback extends FeedbackBase {
  spec: typeof DISPUTE_RESOLUTION_SPEC;
  /** The dispute's id (the disputer minted it). */
  disputeId: string;
  indicator: IndicatorRef;
  state: Exclude<DisputeState, 'open'>;
  note: string;
}

export interface DisclosureRequestFeedback extends FeedbackBase {
  spec: typeof DISCLOSURE_REQUEST_SPEC;
  /** The lookup's requestId, under which the responder answered the hit. */
  lookupRequestId: string;
  /** The reference the responder returned with the hit. */
  reference: string;
  purpose: string;
  legalBasis: string;
  caseReference: string;
}

export interface DisclosureDecisionFeedback extends FeedbackBase {
  spec: typeof DISCLOSURE_DECISION_SPEC;
  /** The disclosure request's id (the requester minted it). */
  disclosureId: string;
  decision: 'approved' | 'denied';
  /** The officer's reason (a denial's is shown to the requester). */
  reason: string;
  /** On approval: the bundle on the responder → requester chain that carries the indicator. */
  released?: { bundleHash: string; indicator: IndicatorRef };
}

export type FeedbackMessage = SightingFeedback | DisputeFeedback | DisputeResolutionFeedback | DisclosureRequestFeedback | DisclosureDecisionFeedback;

/** Why bytes or a signature are not a feedback message; stable codes. */
export type FeedbackErrorCode = 'FEEDBACK_OVERSIZE' | 'FEEDBACK_MALFORMED_JSON' | 'FEEDBACK_SCHEMA_INVALID' | 'FEEDBACK_NOT_CANONICAL' | 'FEEDBACK_SIGNATURE_INVALID' | 'FEEDBACK_SIGNER_MISMATCH';

/** Outcome of parseFeedbackBytes / verifyFeedback; never a throw. */
export type FeedbackResult = { ok: true; message: FeedbackMessage; hash: string } | { ok: false; code: FeedbackErrorCode; message: string };

/** A signed message ready for the outbox. */
export interface SignedFeedback {
  message: FeedbackMessage;
  bytes: Uint8Array;
  /** SHA-256 of the bytes: the Nats-Msg-Id. */
  hash: string;
  signature: Uint8Array;
  signer: string;
}

const id = z.string().regex(UUID_V7_PATTERN, { error: 'must be a lower-case uuid v7' });
const text = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    // Control characters other than tab/newline (C0, DEL and C1) have no business in a reason and could hide text in a log.
    .refine((t) => !/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(t), { error: 'contains control characters' })
    // Bidi controls reorder what the partner's officer reads (Trojan Source), as libs/indicators' text guard refuses them in indicators.
    .refine((t) => findDisplayProblem(t, { allowLineBreaks: true })?.kind !== 'BIDI_CONTROL', { error: 'contains bidirectional controls' });
const indicatorRef = z.strictObject({ origin: nodeIdSchema, id });
const base = { id, from: nodeIdSchema, to: nodeIdSchema, at: wireTimestampSchema };
const reference = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/);

const schemas = {
  [SIGHTING_SPEC]: z
    .strictObject({ spec: z.literal(SIGHTING_SPEC), ...base, indicator: indicatorRef, count: z.int().min(1).max(1_000_000), firstSeen: wireTimestampSchema, lastSeen: wireTimestampSchema })
    .refine((m) => Date.parse(m.lastSeen) >= Date.parse(m.firstSeen), { error: 'lastSeen is before firstSeen', path: ['lastSeen'] }),
  [DISPUTE_SPEC]: z.strictObject({
    spec: z.literal(DISPUTE_SPEC),
    ...base,
    indicator: indicatorRef,
    version: z.int().min(1).max(1_000_000_000),
    kind: z.enum(DISPUTE_KINDS),
    reason: text(MAX_FEEDBACK_TEXT),
    suggestedTags: z.array(z.string().regex(TAG_PATTERN)).max(MAX_TAGS).optional(),
  }),
  [DISPUTE_RESOLUTION_SPEC]: z.strictObject({
    spec: z.literal(DISPUTE_RESOLUTION_SPEC),
    ...base,
    disputeId: id,
    indicator: indicatorRef,
    state: z.enum(['accepted', 'rejected']),
    note: text(MAX_FEEDBACK_TEXT),
  }),
  [DISCLOSURE_REQUEST_SPEC]: z.strictObject({
    spec: z.literal(DISCLOSURE_REQUEST_SPEC),
    ...base,
    lookupRequestId: id,
    reference,
    purpose: z.string().regex(/^[a-z][a-z0-9-]{1,31}$/),
    legalBasis: text(500),
    caseReference: text(200),
  }),
  [DISCLOSURE_DECISION_SPEC]: z
    .strictObject({
      spec: z.literal(DISCLOSURE_DECISION_SPEC),
      ...base,
      disclosureId: id,
      decision: z.enum(['approved', 'denied']),
      reason: text(MAX_FEEDBACK_TEXT),
      released: z.strictObject({ bundleHash: z.string().regex(BUNDLE_HASH_PATTERN), indicator: indicatorRef }).optional(),
    })
    .refine((m) => (m.decision === 'approved') === (m.released !== undefined), { error: 'released is present exactly when approved', path: ['released'] }),
} as const;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The canonical bytes of a feedback message: UTF-8 of its RFC 8785 serialization. What is hashed and signed. */
export function feedbackBytes(message: FeedbackMessage): Uint8Array {
  return encoder.encode(canonicalJson(message));
}

/** Signs a feedback message; throws FEEDBACK_SCHEMA_INVALID when it would not parse on the other side. */
export async function signFeedback(message: FeedbackMessage, privateKey: NodePrivateKey): Promise<SignedFeedback> {
  const bytes = feedbackBytes(message);
  const parsed = parseFeedbackBytes(bytes);
  if (!parsed.ok) throw new DomainError(parsed.code, parsed.message);
  return { message: parsed.message, bytes, hash: parsed.hash, signature: await signDetached(bytes, privateKey), signer: fingerprintOf(privateKey) };
}

/** Checks size, UTF-8, JSON, the strict schema of its spec, from ≠ to, and canonical form; never throws. */
export function parseFeedbackBytes(bytes: Uint8Array): FeedbackResult {
  if (!(bytes instanceof Uint8Array)) return fail('FEEDBACK_MALFORMED_JSON', 'not bytes');
  if (bytes.length > MAX_FEEDBACK_BYTES) return fail('FEEDBACK_OVERSIZE', `feedback is ${bytes.length} bytes, the limit is ${MAX_FEEDBACK_BYTES}`);
  let textValue: string;
  let raw: unknown;
  try {
    textValue = decoder.decode(bytes);
    raw = JSON.parse(textValue);
  } catch (error) {
    return fail('FEEDBACK_MALFORMED_JSON', `not UTF-8 JSON: ${errorMessage(error)}`);
  }
  const spec = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as { spec?: unknown }).spec : undefined;
  if (typeof spec !== 'string' || !(FEEDBACK_SPECS as readonly string[]).includes(spec)) {
    return fail('FEEDBACK_SCHEMA_INVALID', `spec: not one of ${FEEDBACK_SPECS.join(', ')}`);
  }
  const parsed = schemas[spec as FeedbackSpec].safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return fail('FEEDBACK_SCHEMA_INVALID', `${issue.path.join('.') || '(feedback)'}: ${issue.message}`);
  }
  if (parsed.data.from === parsed.data.to) return fail('FEEDBACK_SCHEMA_INVALID', 'to: a node sends no feedback to itself');
  try {
    if (canonicalJson(raw) !== textValue) return fail('FEEDBACK_NOT_CANONICAL', 'bytes are not the RFC 8785 form of the message');
  } catch (error) {
    return fail('FEEDBACK_NOT_CANONICAL', `cannot be canonicalized: ${errorMessage(error)}`);
  }
  return { ok: true, message: parsed.data as FeedbackMessage, hash: bundleHash(bytes) };
}

/**
 * Parses a feedback message and checks its detached signature against the sender's PINNED key (the
 * caller looks the key up by the sender the subject names, not by what the message says). Never throws.
 */
export async function verifyFeedback(bytes: Uint8Array, signature: Uint8Array, pinnedKey: NodePublicKey): Promise<FeedbackResult> {
  const parsed = parseFeedbackBytes(bytes);
  if (!parsed.ok) return parsed;
  const verified = await verifyDetached(bytes, signature, pinnedKey);
  if (!verified.ok) return fail(verified.code === 'BUNDLE_SIGNER_MISMATCH' ? 'FEEDBACK_SIGNER_MISMATCH' : 'FEEDBACK_SIGNATURE_INVALID', verified.message);
  return parsed;
}

function fail(code: FeedbackErrorCode, message: string): FeedbackResult {
  return { ok: false, code, message };
}
