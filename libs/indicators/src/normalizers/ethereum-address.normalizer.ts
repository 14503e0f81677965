import { keccak_256 } from '@noble/hashes/sha3';
import { normalized, quote, rejected, type NormalizeResult } from '../normalize.types';

const ETH_ADDRESS = /^0x[0-9a-f]{40}$/i;

/**
 * eth → "0x" + 40 lower-case hex. A mixed-case address carries an EIP-55 checksum, which must
 * verify (a typo in a checksummed address is caught); all-lower or all-upper carry none.
 */
export function normalizeEthereumAddress(value: string): NormalizeResult {
  const text = value;
  if (!ETH_ADDRESS.test(text)) {
    return rejected('WALLET_INVALID', `${quote(text)} is not an Ethereum address ("0x" followed by 40 hex digits)`);
  }
  const hex = text.slice(2);
  const lower = hex.toLowerCase();
  const mixedCase = hex !== lower && hex !== hex.toUpperCase();
  if (mixedCase && hex !== eip55(lower)) {
    return rejected('WALLET_CHECKSUM_INVALID', `${quote(text)} fails its EIP-55 mixed-case checksum: a character is wrong`);
  }
  return normalized(`0x${lower}`);
}

/** EIP-55: upper-case each letter whose nibble in keccak256(lower-case hex) is ≥ 8. */
function eip55(lowerHex: string): string {
  const hash = keccak_256(new TextEncoder().encode(lowerHex));
  let out = '';
  for (let i = 0; i < lowerHex.length; i++) {
    const nibble = (hash[i >> 1] >> (i % 2 === 0 ? 4 : 0)) & 0x0f;
    out += nibble >= 8 ? lowerHex[i].toUpperCase() : lowerHex[i];
  }
  return out;
}
