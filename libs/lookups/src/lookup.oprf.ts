// RFC 9497 OPRF mode (0x00), suite ristretto255-SHA512, on @noble/curves: this file only adapts its
// `ristretto255_oprf.oprf` to the wire (hex), to stable refusal codes, and to an opaque server key.
import { ristretto255_oprf } from '@noble/curves/ed25519.js';
import { DomainError } from '@palermo/indicators';
import { decodeElement, scalarOf, SCALAR_BYTES, type ElementFailure } from './lookup.element';
import { fromHex, toHex } from './lookup.hex';
import { MAX_LOOKUP_INPUT_BYTES } from './lookup.input';
import { lookupFailure, type LookupResult } from './lookup.result';

/** The RFC 9497 suite every lookup of wire protocol v1 uses. */
export const LOOKUP_SUITE = 'ristretto255-SHA512';
/** Bytes of a PRF output (SHA-512, RFC 9497 Nh). */
export const PRF_OUTPUT_BYTES = 64;
/** Bytes of a key-derivation seed (RFC 9497 §3.2.1). */
export const KEY_SEED_BYTES = 32;

const oprf = ristretto255_oprf.oprf;
// @noble/curves 2.4.0 implements RFC 9497 Evaluate for OPRF mode (`oprf.evaluate`, as for VOPRF and POPRF),
// but its .d.ts declares it for POPRF only. The RFC vectors in lookup.oprf.vectors.spec.ts hold it to the output.
const evaluateUnblinded = (oprf as typeof oprf & { evaluate(secretKey: Uint8Array, input: Uint8Array): Uint8Array }).evaluate;
/** A source of random bytes as RFC 9497 RandomScalar consumes it. */
type RandomBytes = NonNullable<Parameters<typeof oprf.blind>[1]>;
const encoder = new TextEncoder();
// Module-private doors into LookupServerKey: only this file makes keys and reads their scalar.
let secretOf: (key: LookupServerKey) => Uint8Array;
let keyOf: (canonicalScalar: Uint8Array) => LookupServerKey;

/**
 * A responder's OPRF private key (RFC 9497 skS) for one key epoch. Made by generateKey, deriveKey or
 * parseServerKey; the scalar sits in a private field, so logging or serializing the key shows nothing of it.
 */
export class LookupServerKey {
  readonly #secret: Uint8Array;
  static {
    secretOf = (key) => key.#secret;
    keyOf = (scalar) => new LookupServerKey(scalar);
  }
  private constructor(secret: Uint8Array) {
    this.#secret = Uint8Array.from(secret);
    Object.freeze(this);
  }
  /** Never the key itself. */
  toJSON(): string {
    return '[lookup key]';
  }
  /** Never the key itself. */
  toString(): string {
    return '[lookup key]';
  }
}

/** The client's state between blind and finalize; `blind` is secret and never leaves the querier. */
export interface BlindedLookup {
  /** The blind scalar (RFC 9497 blind): kept in memory for finalize, never sent, never stored. */
  blind: Uint8Array;
  /** The blinded element for palermo/lookup-request@1, lower-case hex. */
  blindedElement: string;
}

/** A fresh random server key (RFC 9497 GenerateKeyPair), for a new key epoch. */
export function generateKey(): LookupServerKey {
  return keyOf(oprf.generateKeyPair().secretKey);
}

/** The server key RFC 9497 DeriveKeyPair makes from a 32-byte seed and an info string (UTF-8 when a string). */
export function deriveKey(seed: Uint8Array, info: Uint8Array | string): LookupResult<{ key: LookupServerKey }> {
  if (!(seed instanceof Uint8Array) || seed.length !== KEY_SEED_BYTES) return lookupFailure('LOOKUP_KEY_INVALID', `the seed must be ${KEY_SEED_BYTES} bytes`);
  const infoBytes = typeof info === 'string' ? encoder.encode(info) : info;
  if (!(infoBytes instanceof Uint8Array) || infoBytes.length > MAX_LOOKUP_INPUT_BYTES) return lookupFailure('LOOKUP_KEY_INVALID', 'the key info must be at most 65535 bytes');
  return { ok: true, key: keyOf(oprf.deriveKeyPair(seed, infoBytes).secretKey) };
}

/** The key as lower-case hex, for the node's key store (secret: never logged, never sent). */
export function serverKeyHex(key: LookupServerKey): string {
  return toHex(secretOf(key));
}

/** A key read back from serverKeyHex's hex: a canonical, non-zero scalar, else LOOKUP_KEY_INVALID. */
export function parseServerKey(hex: unknown): LookupResult<{ key: LookupServerKey }> {
  const bytes = fromHex(hex, SCALAR_BYTES);
  if (!bytes || scalarOf(bytes) === undefined) return lookupFailure('LOOKUP_KEY_INVALID', `a lookup key is a canonical non-zero scalar in ${SCALAR_BYTES * 2} lower-case hex digits`);
  return { ok: true, key: keyOf(bytes) };
}

/** Client, step 1 (RFC 9497 Blind): blinds a lookupInput with a fresh random scalar. */
export function blind(input: Uint8Array): BlindedLookup {
  return blindWithRandom(input);
}

/**
 * Blind with a chosen randomness source; exported for the RFC 9497 vectors only (not from index.ts):
 * a fixed blind in production would let the responder link lookups of the same value.
 */
export function blindWithRandom(input: Uint8Array, random?: RandomBytes): BlindedLookup {
  checkInput(input);
  const blinded = random ? oprf.blind(input, random) : oprf.blind(input);
  return { blind: blinded.blind, blindedElement: toHex(blinded.blinded) };
}

/** Server, step 2 (RFC 9497 BlindEvaluate): applies the key to a blinded element from the wire; refuses bad elements with a code. */
export function evaluate(key: LookupServerKey, blindedElement: string | Uint8Array): { ok: true; evaluatedElement: string } | ElementFailure {
  const element = decodeElement(blindedElement);
  if (!element.ok) return element;
  return { ok: true, evaluatedElement: toHex(oprf.blindEvaluate(secretOf(key), element.element)) };
}

/** Client, step 3 (RFC 9497 Finalize): unblinds the responder's evaluated element to the 64-byte PRF output, hex. */
export function finalize(input: Uint8Array, blindScalar: Uint8Array, evaluatedElement: string | Uint8Array): LookupResult<{ prfOutput: string }> {
  checkInput(input);
  if (scalarOf(blindScalar) === undefined) return lookupFailure('LOOKUP_BLIND_INVALID', 'the blind is not a canonical non-zero scalar');
  const element = decodeElement(evaluatedElement);
  if (!element.ok) return element;
  return { ok: true, prfOutput: toHex(oprf.finalize(input, blindScalar, element.element)) };
}

/**
 * Server only (RFC 9497 Evaluate): the PRF output of an input it knows, without blinding; equal to
 * finalize(evaluate(blind(input))). This is how a responder fills its table of lookup-eligible indicators.
 */
export function prfOutput(key: LookupServerKey, input: Uint8Array): string {
  checkInput(input);
  return toHex(evaluateUnblinded(secretOf(key), input));
}

/** The bytes of a PRF output in lower-case hex (128 digits), or LOOKUP_OUTPUT_INVALID. */
export function decodePrfOutput(hex: unknown): LookupResult<{ output: Uint8Array }> {
  const output = fromHex(hex, PRF_OUTPUT_BYTES);
  return output ? { ok: true, output } : lookupFailure('LOOKUP_OUTPUT_INVALID', `a PRF output is ${PRF_OUTPUT_BYTES} bytes in ${PRF_OUTPUT_BYTES * 2} lower-case hex digits`);
}

// Inputs are made locally by lookupInput; anything else is a bug in the caller, not hostile bytes.
function checkInput(input: Uint8Array): void {
  if (!(input instanceof Uint8Array) || input.length > MAX_LOOKUP_INPUT_BYTES) {
    throw new DomainError('LOOKUP_INPUT_INVALID', 'a lookup input is at most 65535 bytes (make it with lookupInput)');
  }
}
