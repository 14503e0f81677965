/** The indicator types of wire protocol v1, in the order DESIGN.md lists them. */
export const INDICATOR_TYPES = [
  'phone',
  'email',
  'username',
  'url',
  'domain',
  'ip',
  'crypto-wallet',
  'iban',
  'keyword',
  'text-fingerprint',
  'image-hash',
  'file-sha256',
] as const;
export type IndicatorType = (typeof INDICATOR_TYPES)[number];

/** TLP 2.0 levels, from least to most restricted: the array order is the ordering. */
export const TLP_LEVELS = ['clear', 'green', 'amber', 'amber+strict', 'red'] as const;
export type Tlp = (typeof TLP_LEVELS)[number];

/** Position of a TLP level in the ordering (clear = 0, red = 4). */
export function tlpRank(tlp: Tlp): number {
  return TLP_LEVELS.indexOf(tlp);
}

/**
 * Node ids: lower-case, start with a letter, 2–32 chars; `all` is reserved for the community audience
 * and `local` for the collection of everything a node holds (TAXII, STIX export).
 */
export const NODE_ID_PATTERN = /^[a-z][a-z0-9-]{1,31}$/;
export const COMMUNITY_AUDIENCE = 'all';
/** Names no node may take: they name collections, and a partner so named would read them. */
export const RESERVED_NODE_IDS: readonly string[] = [COMMUNITY_AUDIENCE, 'local'];

/** How a node id must look, for error messages (the rule itself is isNodeId). */
export const NODE_ID_RULE = 'must match ^[a-z][a-z0-9-]{1,31}$ and not be "all" or "local"';

/** A jurisdiction: ISO 3166-1 alpha-2, upper case (NL, DE, US). */
export const JURISDICTION_PATTERN = /^[A-Z]{2}$/;

/** True when `id` is a valid node id (and not a reserved name: `all`, `local`). */
export function isNodeId(id: string): boolean {
  return NODE_ID_PATTERN.test(id) && !RESERVED_NODE_IDS.includes(id);
}

/**
 * An indicator as it travels inside a bundle (and as stored, before pseudonymization).
 * `value` is always normalized; `platform` only for `username`, `chain` only for `crypto-wallet`.
 */
export interface WireIndicator {
  id: string; // uuid v7 minted by the origin
  origin: string; // node id of the origin
  version: number; // 1, 2, … — a higher version supersedes
  type: IndicatorType;
  value: string;
  platform?: string;
  chain?: string;
  tlp: Tlp;
  confidence: number; // 0–100
  tags: string[]; // sorted, de-duplicated
  firstSeen: string; // ISO 8601 UTC, ms precision (Date#toISOString)
  lastSeen: string;
  validUntil: string | null;
  description?: string;
  modifiedAt: string; // when this version was made at the origin
}

/** Chains a `crypto-wallet` indicator may name in its `chain` field (lower-case tickers). */
export const CRYPTO_CHAINS = ['btc', 'eth', 'trx', 'ltc'] as const;
export type CryptoChain = (typeof CRYPTO_CHAINS)[number];
