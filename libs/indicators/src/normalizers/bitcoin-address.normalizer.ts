import { quote, rejected, type NormalizeResult } from '../normalize.types';
import { decodeBase58check, encodeBase58check } from './base58check.codec';
import { normalizeSegwitAddress } from './segwit-address.codec';

/** How one Bitcoin-family chain spells its mainnet (and testnet) addresses. */
interface BitcoinFamily {
  name: string;
  hrp: string;
  testnetHrps: string[];
  /** Version bytes of mainnet base58check addresses (P2PKH, P2SH). */
  versions: number[];
  testnetVersions: number[];
}

const BITCOIN: BitcoinFamily = { name: 'Bitcoin', hrp: 'bc', testnetHrps: ['tb', 'bcrt'], versions: [0x00, 0x05], testnetVersions: [0x6f, 0xc4] };
// 0x05 is Litecoin's legacy P2SH prefix (shared with Bitcoin's "3…"), 0x32 its current one ("M…").
const LITECOIN: BitcoinFamily = { name: 'Litecoin', hrp: 'ltc', testnetHrps: ['tltc', 'rltc'], versions: [0x30, 0x32, 0x05], testnetVersions: [0x6f, 0x3a, 0xc4] };

/** btc → base58check P2PKH "1…"/P2SH "3…" as is; bech32 "bc1q…"/bech32m "bc1p…" lower-cased. */
export function normalizeBitcoinAddress(value: string): NormalizeResult {
  return normalizeFamilyAddress(value, BITCOIN);
}

/** ltc → base58check "L…"/"M…"/"3…" as is; bech32(m) "ltc1…" lower-cased. */
export function normalizeLitecoinAddress(value: string): NormalizeResult {
  return normalizeFamilyAddress(value, LITECOIN);
}

function normalizeFamilyAddress(value: string, family: BitcoinFamily): NormalizeResult {
  const lower = value.toLowerCase();
  if (family.testnetHrps.some((hrp) => lower.startsWith(`${hrp}1`))) return testnet(value, family);
  if (lower.startsWith(`${family.hrp}1`)) return normalizeSegwitAddress(value, family.hrp, family.name);
  const decoded = decodeBase58check(value, family.name);
  if (!decoded.ok) return decoded.result;
  const { payload } = decoded;
  if (payload.length === 21 && family.versions.includes(payload[0])) return encodeBase58check(payload);
  if (payload.length === 21 && family.testnetVersions.includes(payload[0])) return testnet(value, family);
  return rejected('WALLET_INVALID', `${quote(value)} is base58check but not a ${family.name} mainnet address (version byte or length)`);
}

function testnet(value: string, family: BitcoinFamily): NormalizeResult {
  return rejected('WALLET_TESTNET_NOT_ACCEPTED', `${quote(value)} is a ${family.name} testnet address; only mainnet addresses are indicators`);
}
