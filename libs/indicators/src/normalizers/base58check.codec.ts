import { sha256 } from '@noble/hashes/sha2';
import { createBase58check } from '@scure/base';
import { normalized, quote, rejected, type NormalizeResult } from '../normalize.types';

const base58check = createBase58check(sha256);
const BASE58 = /^[1-9A-HJ-NP-Za-km-z]+$/;
// A 21-byte payload plus checksum is 34–35 characters; anything much longer is not an address and
// base58 decoding is quadratic, so refuse it before decoding.
const MAX_BASE58_ADDRESS_LENGTH = 64;

/** Result of decoding a base58check address: its payload, or a normalizer failure. */
export type Base58Decoded = { ok: true; payload: Uint8Array } | { ok: false; result: NormalizeResult };

/** Decode a base58check string (double SHA-256 checksum), refusing non-base58 characters first. */
export function decodeBase58check(text: string, chainName: string): Base58Decoded {
  if (text.length > MAX_BASE58_ADDRESS_LENGTH || !BASE58.test(text)) {
    return {
      ok: false,
      result: rejected('WALLET_INVALID', `${quote(text)} is not a ${chainName} address (base58 never contains 0, O, I or l)`),
    };
  }
  try {
    return { ok: true, payload: base58check.decode(text) };
  } catch {
    return {
      ok: false,
      result: rejected('WALLET_CHECKSUM_INVALID', `${quote(text)} fails the base58check checksum: a character is wrong or missing`),
    };
  }
}

/** Encode a payload as base58check (the canonical spelling of a base58 address). */
export function encodeBase58check(payload: Uint8Array): NormalizeResult {
  return normalized(base58check.encode(payload));
}
