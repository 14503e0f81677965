import { CRYPTO_CHAINS, type CryptoChain } from '@palermo/indicators';
import type { TypeMapping } from './misp-type.mapper';

/** The attributes of one object by relation (values only), for rules that read a sibling. */
export type Siblings = ReadonlyMap<string, readonly string[]>;

// MISP object templates (github.com/MISP/misp-objects) whose handle is typed "text": the relation
// says what the text is. Each maps to the platform slug Palermo uses.
const ACCOUNT_HANDLES: Record<string, { relation: string; platform: string }> = {
  'telegram-account': { relation: 'username', platform: 'telegram' },
  'twitter-account': { relation: 'name', platform: 'twitter' },
  'instagram-account': { relation: 'account-name', platform: 'instagram' },
  'facebook-account': { relation: 'account-name', platform: 'facebook' },
  'reddit-account': { relation: 'account-name', platform: 'reddit' },
  'github-user': { relation: 'username', platform: 'github' },
};

// microblog "type" sane defaults that name a platform ("Forum" and "Other" do not).
const MICROBLOG_PLATFORMS: Record<string, string> = {
  twitter: 'twitter',
  facebook: 'facebook',
  linkedin: 'linkedin',
  reddit: 'reddit',
  instagram: 'instagram',
};

// coin-address "symbol" values for the chains Palermo carries (TRON and TRX are both in MISP's list).
const CHAIN_BY_SYMBOL: Record<string, CryptoChain> = { BTC: 'btc', ETH: 'eth', LTC: 'ltc', TRX: 'trx', TRON: 'trx' };

// Relations that qualify a sibling (and are no indicator themselves).
const QUALIFIERS: Record<string, string> = {
  'user-account/account-type': 'platform',
  'microblog/type': 'platform',
  'coin-address/symbol': 'chain',
};

/**
 * The rule of an object template for one of its attributes, or undefined when the template has
 * none for that relation (the attribute is then mapped by its own type). Covers handles of social
 * media accounts, user-account (platform from account-type), microblog (platform from type),
 * phone (msisdn) and coin-address (chain from symbol).
 */
export function mapObjectAttribute(objectName: string, relation: string, value: string, siblings: Siblings): TypeMapping | undefined {
  const handle = Object.hasOwn(ACCOUNT_HANDLES, objectName) ? ACCOUNT_HANDLES[objectName] : undefined;
  if (handle && relation === handle.relation) return username(value, handle.platform);
  if (objectName === 'telegram-account' && relation === 'phone') return { ok: true, candidates: [{ type: 'phone', value }] };
  if (objectName === 'phone' && relation === 'msisdn') return { ok: true, candidates: [{ type: 'phone', value }] };
  if (objectName === 'user-account' && relation === 'username') return userAccount(value, siblings);
  if (objectName === 'microblog' && relation === 'username') return microblog(value, siblings);
  if (objectName === 'coin-address' && (relation === 'address' || relation === 'address-crypto')) return coinAddress(relation, value, siblings);
  const qualified = QUALIFIERS[`${objectName}/${relation}`];
  if (qualified) return { ok: false, code: 'MISP_OBJECT_QUALIFIER', reason: `read as the ${qualified} of the object's other attributes` };
  return undefined;
}

function username(value: string, platform: string): TypeMapping {
  return { ok: true, candidates: [{ type: 'username', value, platform }] };
}

function userAccount(value: string, siblings: Siblings): TypeMapping {
  const accountType = siblings.get('account-type')?.[0]?.trim();
  if (!accountType) {
    return { ok: false, code: 'MISP_USERNAME_PLATFORM_UNKNOWN', reason: 'a username needs its platform; the user-account object has no account-type' };
  }
  return username(value, accountType);
}

function microblog(value: string, siblings: Siblings): TypeMapping {
  const kind = siblings.get('type')?.[0]?.trim().toLowerCase() ?? '';
  const platform = Object.hasOwn(MICROBLOG_PLATFORMS, kind) ? MICROBLOG_PLATFORMS[kind] : undefined;
  if (!platform) {
    return { ok: false, code: 'MISP_USERNAME_PLATFORM_UNKNOWN', reason: 'a username needs its platform; the microblog object does not name one' };
  }
  return username(value, platform);
}

function coinAddress(relation: string, value: string, siblings: Siblings): TypeMapping {
  const symbol = siblings.get('symbol')?.[0]?.trim().toUpperCase() || undefined;
  // "address" is typed btc in the template, so without a symbol it is a Bitcoin address;
  // "address-crypto" is for any other chain and means nothing without its symbol.
  const fallback = relation === 'address' ? 'btc' : undefined;
  const chain = symbol === undefined ? fallback : Object.hasOwn(CHAIN_BY_SYMBOL, symbol) ? CHAIN_BY_SYMBOL[symbol] : undefined;
  if (chain === undefined) {
    return {
      ok: false,
      code: 'MISP_CHAIN_UNSUPPORTED',
      reason:
        symbol === undefined
          ? 'an address-crypto needs the symbol of its chain'
          : `${JSON.stringify(symbol.slice(0, 20))} is not a chain Palermo carries (${CRYPTO_CHAINS.join(', ')})`,
    };
  }
  return { ok: true, candidates: [{ type: 'crypto-wallet', value, chain }] };
}
