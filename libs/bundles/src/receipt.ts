import { z } from 'zod';
import { COMMUNITY_AUDIENCE, DomainError, errorMessage, nodeIdSchema } from '@palermo/indicators';
import { bundleHash, canonicalJson } from './bundle.codec';
import { BUNDLE_HASH_PATTERN } from './bundle.schema';
import type { NodePrivateKey, NodePublicKey } from './bundle.keys';
import { fingerprintOf } from './bundle.keys';
import { signDetached, verifyDetached } from './bundle.signature';

/** The spec tag of a receipt (wire protocol v1). */
export const RECEIPT_SPEC = 'palermo/receipt@1';
/** A receipt is a few hundred bytes; anything larger is refused before it is parsed. */
export const MAX_RECEIPT_BYTES = 4096;

/**
 * What a recipient tells a publisher about one bundle it decided on: counts and the quarantine code,
 * never indicator data. Its canonical bytes (RFC 8785) carry a detached OpenPGP signature, like a bundle.
 */
export interface Receipt {
  spec: typeof RECEIPT_SPEC;
  /** Node id of the bundle's publisher (to whom the receipt goes). */
  publisher: string;
  /** Node id of the node that received the bundle and signs the receipt. */
  recipient: string;
  /** SHA-256 of the bundle's canonical bytes. */
  bundleHash: string;
  /** The bundle's position in its chain. */
  seq: number;
  /** The bundle's chain: the recipient's node id or `all`. */
  audience: string;
  /** When the recipient decided (ISO 8601 UTC). */
  receivedAt: string;
  /** imported: the policy decided every entry (kept or rejected); quarantined: refused before import. */
  outcome: 'imported' | 'quarantined';
  /** How many upserts were accepted, accepted as pseudonyms, rejected (all 0 when quarantined). */
  counts: { accepted: number; pseudonymized: number; rejected: number };
  /** The quarantine reason code (only when quarantined). */
  quarantineReason?: string;
}

/** Why bytes or a signature are not a receipt; stable codes. */
export type ReceiptErrorCode =
  | 'RECEIPT_OVERSIZE'
  | 'RECEIPT_MALFORMED_JSON'
  | 'RECEIPT_SCHEMA_INVALID'
  | 'RECEIPT_NOT_CANONICAL'
  | 'RECEIPT_SIGNATURE_INVALID'
  | 'RECEIPT_SIGNER_MISMATCH';

/** Outcome of parseReceiptBytes / verifyReceipt; never a throw. */
export type ReceiptResult = { ok: true; receipt: Receipt; hash: string } | { ok: false; code: ReceiptErrorCode; message: string };

/** A signed receipt ready for the outbox: its canonical bytes, their hash and the binary detached signature. */
export interface SignedReceipt {
  receipt: Receipt;
  bytes: Uint8Array;
  hash: string;
  signature: Uint8Array;
  signer: string;
}

const count = z.int().min(0).max(1_000_000);
const receiptSchema = z
  .strictObject({
    spec: z.literal(RECEIPT_SPEC),
    publisher: nodeIdSchema,
    recipient: nodeIdSchema,
    bundleHash: z.string().regex(BUNDLE_HASH_PATTERN),
    seq: z.int().min(1),
    audience: z.union([z.literal(COMMUNITY_AUDIENCE), nodeIdSchema]),
    receivedAt: z.iso.datetime({ offset: false }),
    outcome: z.enum(['imported', 'quarantined']),
    counts: z.strictObject({ accepted: count, pseudonymized: count, rejected: count }),
    quarantineReason: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.publisher === r.recipient) ctx.addIssue({ code: 'custom', path: ['recipient'], message: 'a node sends no receipts to itself' });
    if (r.audience !== COMMUNITY_AUDIENCE && r.audience !== r.recipient) {
      ctx.addIssue({ code: 'custom', path: ['audience'], message: 'must be the recipient or "all"' });
    }
    if ((r.outcome === 'quarantined') !== (r.quarantineReason !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['quarantineReason'], message: 'present exactly when the outcome is quarantined' });
    }
    if (r.outcome === 'quarantined' && r.counts.accepted + r.counts.pseudonymized + r.counts.rejected > 0) {
      ctx.addIssue({ code: 'custom', path: ['counts'], message: 'a quarantined bundle has no decisions' });
    }
  });

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The canonical bytes of a receipt: UTF-8 of its RFC 8785 serialization. What is hashed and signed. */
export function receiptBytes(receipt: Receipt): Uint8Array {
  return encoder.encode(canonicalJson(receipt));
}

/** Makes and signs a receipt; throws RECEIPT_SCHEMA_INVALID when the receipt would not parse on the other side. */
export async function signReceipt(receipt: Receipt, privateKey: NodePrivateKey): Promise<SignedReceipt> {
  const bytes = receiptBytes(receipt);
  const parsed = parseReceiptBytes(bytes);
  if (!parsed.ok) throw new DomainError(parsed.code, parsed.message);
  return { receipt, bytes, hash: parsed.hash, signature: await signDetached(bytes, privateKey), signer: fingerprintOf(privateKey) };
}

/** Checks size, UTF-8, JSON, the strict schema and canonical form; never throws. */
export function parseReceiptBytes(bytes: Uint8Array): ReceiptResult {
  if (!(bytes instanceof Uint8Array)) return fail('RECEIPT_MALFORMED_JSON', 'not bytes');
  if (bytes.length > MAX_RECEIPT_BYTES) return fail('RECEIPT_OVERSIZE', `receipt is ${bytes.length} bytes, the limit is ${MAX_RECEIPT_BYTES}`);
  let text: string;
  let raw: unknown;
  try {
    text = decoder.decode(bytes);
    raw = JSON.parse(text);
  } catch (error) {
    return fail('RECEIPT_MALFORMED_JSON', `not UTF-8 JSON: ${errorMessage(error)}`);
  }
  const parsed = receiptSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return fail('RECEIPT_SCHEMA_INVALID', `${issue.path.join('.') || '(receipt)'}: ${issue.message}`);
  }
  try {
    if (canonicalJson(raw) !== text) return fail('RECEIPT_NOT_CANONICAL', 'bytes are not the RFC 8785 form of the receipt');
  } catch (error) {
    return fail('RECEIPT_NOT_CANONICAL', `cannot be canonicalized: ${errorMessage(error)}`);
  }
  return { ok: true, receipt: parsed.data as Receipt, hash: bundleHash(bytes) };
}

/**
 * Parses a receipt and checks its detached signature against the recipient's PINNED key (the
 * caller looks the key up by the recipient the subject names, not by what the receipt says). Never throws.
 */
export async function verifyReceipt(bytes: Uint8Array, signature: Uint8Array, pinnedKey: NodePublicKey): Promise<ReceiptResult> {
  const parsed = parseReceiptBytes(bytes);
  if (!parsed.ok) return parsed;
  const verified = await verifyDetached(bytes, signature, pinnedKey);
  if (!verified.ok) {
    return fail(verified.code === 'BUNDLE_SIGNER_MISMATCH' ? 'RECEIPT_SIGNER_MISMATCH' : 'RECEIPT_SIGNATURE_INVALID', verified.message);
  }
  return parsed;
}

function fail(code: ReceiptErrorCode, message: string): ReceiptResult {
  return { ok: false, code, message };
}
