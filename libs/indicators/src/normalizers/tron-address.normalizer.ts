import { hex } from '@scure/base';
import { quote, rejected, type NormalizeResult } from '../normalize.types';
import { decodeBase58check, encodeBase58check } from './base58check.codec';

const TRON_PREFIX = 0x41;
const TRON_HEX = /^41[0-9a-f]{40}$/i;

/** trx → base58check "T…" (payload 0x41 + 20 bytes); the hex form "41…" is converted to it. */
export function normalizeTronAddress(value: string): NormalizeResult {
  if (TRON_HEX.test(value)) return encodeBase58check(hex.decode(value.toLowerCase()));
  const decoded = decodeBase58check(value, 'Tron');
  if (!decoded.ok) return decoded.result;
  if (decoded.payload.length !== 21 || decoded.payload[0] !== TRON_PREFIX) {
    return rejected('WALLET_INVALID', `${quote(value)} is base58check but not a Tron address (payload must be 0x41 + 20 bytes)`);
  }
  return encodeBase58check(decoded.payload);
}
