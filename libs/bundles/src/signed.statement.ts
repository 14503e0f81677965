// Internal helpers shared by the signed statements of this lib (checkpoints, witness signatures,
// key rotations and revocations); not exported from index.ts. Same scheme as partner cards: an
// armored OpenPGP detached signature over the UTF-8 RFC 8785 bytes of the statement object.
import { z } from 'zod';
import { errorMessage } from '@palermo/indicators';
import { canonicalJson } from './bundle.codec';
import { readPublicKey, type NodePrivateKey, type NodePublicKey } from './bundle.keys';
import { armorSignature, dearmorSignature, signDetached, verifyDetached } from './bundle.signature';

/** An instant as every statement writes it: ISO 8601 UTC with `Z`. */
export const instantSchema = z.iso.datetime({ offset: false });
/** A lower-case hex v4 (40) or v6 (64) fingerprint. */
export const fingerprintSchema = z.string().regex(/^[0-9a-f]{40,64}$/);
/** An armored signature, bounded so a hostile statement cannot make the verifier parse megabytes. */
export const armoredSignatureSchema = z.string().min(1).max(16 * 1024);
/** An armored public key, bounded likewise. */
export const armoredKeySchema = z.string().min(1).max(64 * 1024);
/** How far a statement's time may be ahead of the verifier's clock. */
export const MAX_CLOCK_SKEW_MS = 10 * 60_000;

/** The bytes a statement's signature covers: UTF-8 of its RFC 8785 serialization. */
export function statementBytes(statement: object): Uint8Array {
  return new TextEncoder().encode(canonicalJson(statement));
}

/** Armored detached signature of the statement's canonical bytes. */
export async function signStatement(statement: object, privateKey: NodePrivateKey): Promise<string> {
  return armorSignature(await signDetached(statementBytes(statement), privateKey));
}

/** Checks an armored detached signature over the statement with one key; never throws. */
export async function checkStatementSignature(statement: object, armored: string, key: NodePublicKey): Promise<{ ok: true } | { ok: false; message: string }> {
  let binary: Uint8Array;
  try {
    binary = await dearmorSignature(armored);
  } catch (error) {
    return { ok: false, message: errorMessage(error) };
  }
  const verified = await verifyDetached(statementBytes(statement), binary, key);
  return verified.ok ? { ok: true } : { ok: false, message: verified.message };
}

/** Reads an armored public key (a key already read is taken as it is); never throws. */
export async function tryReadPublicKey(armored: string | NodePublicKey): Promise<{ ok: true; key: NodePublicKey } | { ok: false; message: string }> {
  if (typeof armored !== 'string') return { ok: true, key: armored };
  try {
    return { ok: true, key: await readPublicKey(armored) };
  } catch (error) {
    return { ok: false, message: errorMessage(error) };
  }
}

/** The first zod issue as `path: message`, for `*_MALFORMED` refusals. */
export function firstIssue(error: z.ZodError, root: string): string {
  const issue = error.issues[0]!;
  return `${issue.path.join('.') || root}: ${issue.message}`;
}
