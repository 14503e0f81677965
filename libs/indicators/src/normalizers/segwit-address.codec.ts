import { bech32, bech32m } from '@scure/base';
import { normalized, quote, rejected, type NormalizeResult } from '../normalize.types';

// BIP-173: a segwit address is at most 90 characters.
const MAX_SEGWIT_LENGTH = 90;

/**
 * Validate a segwit address of `hrp` ("bc", "ltc"): witness v0 must use bech32 (BIP-173) with a
 * 20- or 32-byte program, v1–v16 must use bech32m (BIP-350) with 2–40 bytes. Normalized lower-case.
 */
export function normalizeSegwitAddress(text: string, hrp: string, chainName: string): NormalizeResult {
  if (text.length > MAX_SEGWIT_LENGTH) {
    return rejected('WALLET_INVALID', `${quote(text)} is longer than ${MAX_SEGWIT_LENGTH} characters, the segwit maximum`);
  }
  if (text !== text.toLowerCase() && text !== text.toUpperCase()) {
    return rejected('WALLET_INVALID', `${quote(text)} mixes upper and lower case, which bech32 forbids`);
  }
  const lower = text.toLowerCase();
  const v0 = bech32.decodeUnsafe(lower, MAX_SEGWIT_LENGTH);
  const v1plus = v0 ? undefined : bech32m.decodeUnsafe(lower, MAX_SEGWIT_LENGTH);
  const decoded = v0 ?? v1plus;
  if (!decoded || decoded.prefix !== hrp || decoded.words.length === 0) {
    return rejected('WALLET_CHECKSUM_INVALID', `${quote(text)} is not a valid ${chainName} bech32/bech32m address (checksum or prefix)`);
  }
  const version = decoded.words[0];
  const program = bech32.fromWordsUnsafe(decoded.words.slice(1));
  if (version > 16 || !program) {
    return rejected('WALLET_INVALID', `${quote(text)} has an invalid witness version or program padding`);
  }
  if (version === 0 && !v0) {
    return rejected('WALLET_CHECKSUM_INVALID', `${quote(text)}: witness version 0 must use the bech32 checksum, not bech32m`);
  }
  if (version > 0 && !v1plus) {
    return rejected('WALLET_CHECKSUM_INVALID', `${quote(text)}: witness version ${version} must use the bech32m checksum (BIP-350)`);
  }
  const validLength = version === 0 ? program.length === 20 || program.length === 32 : program.length >= 2 && program.length <= 40;
  if (!validLength) {
    return rejected('WALLET_INVALID', `${quote(text)} has a ${program.length}-byte witness program, invalid for version ${version}`);
  }
  return normalized(lower);
}
